package io.upbeat.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The glob automaton against the regular expressions it replaced (kept here only as the oracle),
 * and its running time on the inputs that made those expressions backtrack.
 */
class GlobTest {
  /** The translation OwnershipRules used before: a rule's pattern to its two regexes. */
  private static Pattern[] oracle(String pattern) {
    String p = pattern;
    boolean directory = p.endsWith("/");
    if (directory) {
      p = p.substring(0, p.length() - 1);
    }
    boolean rooted = p.startsWith("/") || p.contains("/");
    if (p.startsWith("/")) {
      p = p.substring(1);
    }
    String body = globToRegex(p);
    String tail = directory ? "/.*" : "(/.*)?";
    return new Pattern[] {
      Pattern.compile((rooted ? "" : "(.*/)?") + body + tail),
      Pattern.compile("(.*/)?" + body + tail)
    };
  }

  private static String globToRegex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          boolean slashAfter = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
          re.append(slashAfter ? "(.*/)?" : ".*");
          i += slashAfter ? 2 : 1;
        } else {
          re.append("[^/]*");
        }
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return re.toString();
  }

  private static Glob[] globs(String pattern) {
    String p = pattern;
    boolean directory = p.endsWith("/");
    if (directory) {
      p = p.substring(0, p.length() - 1);
    }
    boolean rooted = p.startsWith("/") || p.contains("/");
    if (p.startsWith("/")) {
      p = p.substring(1);
    }
    return new Glob[] {Glob.compile(p, rooted, directory), Glob.compile(p, false, directory)};
  }

  @Provide
  Arbitrary<String> patterns() {
    return Arbitraries.strings()
        .withChars('a', 'b', '/', '*', '?', '.', '\n')
        .ofMinLength(1)
        .ofMaxLength(10)
        .filter(p -> !p.contains("***"));
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.strings().withChars('a', 'b', '/', '.', '\n').ofMaxLength(14);
  }

  @Property(tries = 20_000)
  void agreesWithTheRegexItReplaced(
      @ForAll("patterns") String pattern, @ForAll("paths") String path) {
    Pattern[] regex = oracle(pattern);
    Glob[] glob = globs(pattern);
    for (int i = 0; i < 2; i++) {
      assertThat(glob[i].matches(path))
          .as("%s (%s) against %s", pattern, i == 0 ? "anchored" : "anywhere", path)
          .isEqualTo(regex[i].matcher(path).matches());
    }
  }

  @Property(tries = 2_000)
  void agreesOnLongPatternsSpanningSeveralWords(
      @ForAll("paths") String path, @ForAll @IntRange(min = 60, max = 140) int length) {
    // Beyond 64 states the automaton spans several words: carries between them must hold.
    String pattern = "a?".repeat(length / 2) + "**/*b";
    String subject = "ab".repeat(length / 2) + path;
    Pattern[] regex = oracle(pattern);
    Glob[] glob = globs(pattern);
    for (int i = 0; i < 2; i++) {
      assertThat(glob[i].matches(subject)).isEqualTo(regex[i].matcher(subject).matches());
    }
  }

  @BeforeContainer
  static void warmUp() {
    Glob g = globs("*a*a*a*b")[0];
    String path = "a".repeat(10_000);
    LinearTime.warmUp(() -> g.matches(path));
  }

  @Property(tries = 30)
  void worstCasePatternsMatchInLinearTime(
      @ForAll @IntRange(min = 1, max = OwnershipRules.MAX_STARS / 2) int stars,
      @ForAll @IntRange(min = 10_000, max = 100_000) int length,
      @ForAll @IntRange(min = 0, max = 3) int shape) {
    String pattern =
        switch (shape) {
          case 0 -> "*a".repeat(stars) + "*b"; // [^/]*a[^/]*a...[^/]*b
          case 1 -> "**a".repeat(stars) + "**b"; // .*a.*a....*b
          case 2 -> "**/a".repeat(stars) + "/b"; // (.*/)?a(.*/)?a.../b
          default -> "a?".repeat(500) + "*b"; // many tokens: ~16 words per character
        };
    String path = shape == 2 ? "a/".repeat(length / 2) + "c" : "a".repeat(length);
    for (Glob g : globs(pattern)) {
      assertThat(LinearTime.within50ms(pattern + " on " + length, () -> g.matches(path))).isFalse();
    }
  }

  @Example
  void theLargestRulesTextResolvesAPathQuickly() {
    // Rules at every limit, made of wildcards that never fail early against a path of 'a's: the
    // longest lines (17 words of automaton each), lines of two words, the most one-word rules,
    // chains of optional directories; as many lines as the text and rule limits allow.
    String[] patterns = {
      "*a".repeat(OwnershipRules.MAX_STARS) + "a?".repeat(470) + "b",
      "*?".repeat(OwnershipRules.MAX_STARS) + "b",
      "**b",
      "**/".repeat(OwnershipRules.MAX_STARS / 2) + "b"
    };
    String path = "a".repeat(OwnershipRules.MAX_PATH_LENGTH);
    for (String pattern : patterns) {
      String line = pattern + " o@shop.io\n";
      int lines =
          Math.min(OwnershipRules.MAX_RULES, OwnershipRules.MAX_TEXT_LENGTH / line.length());
      OwnershipRules rules = OwnershipRules.parse(line.repeat(lines));
      for (int i = 0; i < 20; i++) {
        rules.ownerOf(path);
      }
      assertThat(
              LinearTime.within50ms(
                  lines + " rules like " + pattern, () -> rules.ownerOf(path).isPresent()))
          .isFalse();
    }
  }
}
