package io.upbeat.agent.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The hand-written scans of the release command against the regexes they replaced. */
class GitLogScanTest {
  private static final Pattern HUNK =
      Pattern.compile("^@@@* -\\d+(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@.*");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{40}|[0-9a-fA-F]{64}");

  @Provide
  Arbitrary<String> hunks() {
    Arbitrary<String> token =
        Arbitraries.of("@@", "@", " ", "-", "+", ",", "1", "12", "0", "x", " @@", " -", " +");
    return token.list().ofMaxSize(12).map(l -> "@@" + String.join("", l));
  }

  @Property(tries = 20_000)
  void hunkHeadersAsTheRegexReadThem(@ForAll("hunks") String line) {
    Matcher m = HUNK.matcher(line);
    int[] hunk = GitLog.hunk(line);
    if (!m.matches()) {
      assertThat(hunk).as(line).isNull();
      return;
    }
    assertThat(hunk)
        .as(line)
        .containsExactly(
            m.group(1) == null ? 1 : Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            m.group(3) == null ? 1 : Integer.parseInt(m.group(3)));
  }

  @Provide
  Arbitrary<String> emails() {
    return Arbitraries.strings().withChars('a', '.', '@', ' ', '\t', 'é').ofMaxLength(12);
  }

  @Property(tries = 20_000)
  void emailsAsTheRegexReadThem(@ForAll("emails") String s) {
    assertThat(GitLog.email(s)).as(s).isEqualTo(EMAIL.matcher(s).matches());
  }

  @Property(tries = 5_000)
  void shasAsTheRegexReadThem(
      @ForAll @IntRange(min = 38, max = 66) int length, @ForAll("hexOrNot") char c) {
    String s = "a".repeat(length - 1) + c;
    assertThat(GitLog.fullSha(s)).as(s).isEqualTo(SHA.matcher(s).matches());
  }

  @Provide
  Arbitrary<Character> hexOrNot() {
    return Arbitraries.of('0', '9', 'a', 'f', 'A', 'F', 'g', 'G', '/', ':', '@', '`', '٣', 'Ａ');
  }

  @Property(tries = 20)
  void hugeInputsAreScannedInLinearTime(@ForAll @IntRange(min = 1_000, max = 120_000) int n) {
    String[] inputs = {
      "a@" + "a".repeat(n), "a@" + "a.".repeat(n / 2) + " ", "@@ -" + "1".repeat(n)
    };
    for (String s : inputs) {
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        GitLog.email(s);
        GitLog.hunk(s);
        best = Math.min(best, System.nanoTime() - start);
      }
      assertThat(best).isLessThan(50_000_000L);
    }
  }
}
