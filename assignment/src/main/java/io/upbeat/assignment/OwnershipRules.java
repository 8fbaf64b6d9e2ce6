package io.upbeat.assignment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An app's ownership rules in CODEOWNERS syntax: one rule per line, {@code path-glob
 * owner-email...}, {@code #} comments, blank lines ignored, and the last matching line wins.
 *
 * <p>Globs follow CODEOWNERS (gitignore) rules: {@code *} matches within one path segment, {@code
 * **} across segments, {@code ?} one character; a pattern starting with {@code /} or containing a
 * {@code /} before its end is anchored at the repository root, otherwise it matches at any depth; a
 * pattern that matches a directory owns everything beneath it ({@code docs/}, {@code /build}). A
 * frame's path derived from its package ({@code com/shop/UserService.java}) is not a repository
 * path, so for it anchored patterns may match below the root too.
 */
public final class OwnershipRules {
  /** At most this many rules (lines that are neither comments nor blank). */
  public static final int MAX_RULES = 1_000;

  /** At most this many characters on any line, comments included. */
  public static final int MAX_LINE_LENGTH = 1_024;

  /** At most this many characters in all (64 Ki: the API takes at most 64 KiB of UTF-8). */
  public static final int MAX_TEXT_LENGTH = 64 * 1024;

  /** At most this many {@code *} in one pattern. */
  public static final int MAX_STARS = 32;

  /**
   * A path longer than this matches no rule, which bounds the work of one {@link #ownerOf} however
   * large the rules and the frame (rules at every limit against such a path: a few milliseconds).
   */
  public static final int MAX_PATH_LENGTH = 1_024;

  /** One rule: its line number (from 1), glob and owners. */
  public record Rule(int line, String pattern, List<String> owners) {
    public Rule {
      owners = List.copyOf(owners);
    }
  }

  /** A rule with its glob compiled both ways. */
  private record Compiled(Rule rule, Glob anchored, Glob anywhere) {}

  /** The owner a path resolved to, and which rule said so. */
  public record Owner(String email, Rule rule) {}

  /** A line that is not a rule. */
  public static final class InvalidRuleException extends IllegalArgumentException {
    private final int line;

    InvalidRuleException(int line, String problem) {
      super("line " + line + ": " + problem);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }

  public static final OwnershipRules NONE = new OwnershipRules(List.of());

  private final List<Compiled> compiled;
  private final List<Rule> rules;

  private OwnershipRules(List<Compiled> compiled) {
    this.compiled = List.copyOf(compiled);
    this.rules = compiled.stream().map(Compiled::rule).toList();
  }

  public List<Rule> rules() {
    return rules;
  }

  /**
   * Parses rules text: at most {@link #MAX_TEXT_LENGTH} characters, {@link #MAX_RULES} rules,
   * {@link #MAX_LINE_LENGTH} characters a line and {@link #MAX_STARS} {@code *} a pattern. Parsing
   * and matching take time linear in the text and in the path (never a backtracking regular
   * expression).
   *
   * @throws InvalidRuleException naming the first bad line
   */
  public static OwnershipRules parse(String text) {
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new InvalidRuleException(
          lineAt(text, MAX_TEXT_LENGTH),
          "the rules are longer than " + MAX_TEXT_LENGTH + " characters");
    }
    List<Compiled> rules = new ArrayList<>();
    int number = 0;
    for (int from = 0; from <= text.length(); number++) {
      int nl = text.indexOf('\n', from);
      int end = nl < 0 ? text.length() : nl;
      String raw = text.substring(from, end);
      from = end + 1;
      int lineNumber = number + 1;
      int length = raw.endsWith("\r") ? raw.length() - 1 : raw.length();
      if (length > MAX_LINE_LENGTH) {
        throw new InvalidRuleException(
            lineNumber, "is longer than " + MAX_LINE_LENGTH + " characters");
      }
      String line = raw.strip();
      int hash = line.indexOf(" #");
      if (line.startsWith("#")) {
        continue;
      }
      if (hash >= 0) {
        line = line.substring(0, hash).strip();
      }
      if (line.isEmpty()) {
        continue;
      }
      List<String> tokens = tokens(line);
      if (tokens.size() < 2) {
        throw new InvalidRuleException(
            lineNumber, "needs a path pattern and at least one owner e-mail");
      }
      List<String> owners = new ArrayList<>();
      for (String owner : tokens.subList(1, tokens.size())) {
        if (!EmailAddresses.isValid(owner)) {
          throw new InvalidRuleException(
              lineNumber, "owner \"" + owner + "\" is not an e-mail address");
        }
        owners.add(RepoPath.lower(owner));
      }
      String pattern = tokens.getFirst();
      if (pattern.contains("***") || pattern.startsWith("!") || pattern.contains("[")) {
        throw new InvalidRuleException(
            lineNumber, "pattern \"" + pattern + "\" uses syntax CODEOWNERS does not support");
      }
      if (pattern.chars().filter(c -> c == '*').count() > MAX_STARS) {
        throw new InvalidRuleException(
            lineNumber, "pattern \"" + pattern + "\" has more than " + MAX_STARS + " *");
      }
      if (rules.size() == MAX_RULES) {
        throw new InvalidRuleException(lineNumber, "exceeds the limit of " + MAX_RULES + " rules");
      }
      rules.add(compile(lineNumber, pattern, owners));
    }
    return new OwnershipRules(rules);
  }

  /** The line's tokens, separated by runs of what {@code \s} matches. */
  private static List<String> tokens(String line) {
    List<String> tokens = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= line.length(); i++) {
      boolean space = i == line.length() || separator(line.charAt(i));
      if (space && start >= 0) {
        tokens.add(line.substring(start, i));
        start = -1;
      } else if (!space && start < 0) {
        start = i;
      }
    }
    return tokens;
  }

  private static boolean separator(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
  }

  private static int lineAt(String text, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  private static Compiled compile(int line, String pattern, List<String> owners) {
    String p = pattern;
    boolean directory = p.endsWith("/");
    if (directory) {
      p = p.substring(0, p.length() - 1);
    }
    boolean rooted = p.startsWith("/") || p.contains("/");
    if (p.startsWith("/")) {
      p = p.substring(1);
    }
    // Matches the path itself or, as a directory, anything beneath it.
    return new Compiled(
        new Rule(line, pattern, owners),
        Glob.compile(p, rooted, directory),
        Glob.compile(p, false, directory));
  }

  /**
   * The owner of a repository path by the last matching rule, if any; none for a path longer than
   * {@link #MAX_PATH_LENGTH}.
   */
  public Optional<Owner> ownerOf(String path) {
    return ownerOf(RepoPath.of(path));
  }

  Optional<Owner> ownerOf(RepoPath path) {
    String p = path.toString();
    if (p.length() > MAX_PATH_LENGTH) {
      return Optional.empty();
    }
    for (int i = compiled.size() - 1; i >= 0; i--) {
      Compiled c = compiled.get(i);
      Glob glob = path.derived() ? c.anywhere() : c.anchored();
      if (glob.matches(p)) {
        return Optional.of(new Owner(c.rule().owners().getFirst(), c.rule()));
      }
    }
    return Optional.empty();
  }
}
