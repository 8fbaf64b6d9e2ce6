package io.upbeat.assignment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

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
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  /** One rule: its line number (from 1), glob and owners. */
  public record Rule(
      int line, String pattern, List<String> owners, Pattern anchored, Pattern anywhere) {}

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

  private final List<Rule> rules;

  private OwnershipRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public List<Rule> rules() {
    return rules;
  }

  /**
   * Parses rules text.
   *
   * @throws InvalidRuleException naming the first bad line
   */
  public static OwnershipRules parse(String text) {
    List<Rule> rules = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
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
      String[] tokens = line.split("\\s+");
      if (tokens.length < 2) {
        throw new InvalidRuleException(i + 1, "needs a path pattern and at least one owner e-mail");
      }
      List<String> owners = new ArrayList<>();
      for (int t = 1; t < tokens.length; t++) {
        if (!EMAIL.matcher(tokens[t]).matches() || tokens[t].length() > 320) {
          throw new InvalidRuleException(
              i + 1, "owner \"" + tokens[t] + "\" is not an e-mail address");
        }
        owners.add(RepoPath.lower(tokens[t]));
      }
      String pattern = tokens[0];
      if (pattern.contains("***") || pattern.startsWith("!") || pattern.contains("[")) {
        throw new InvalidRuleException(
            i + 1, "pattern \"" + pattern + "\" uses syntax CODEOWNERS does not support");
      }
      rules.add(compile(i + 1, pattern, owners));
    }
    return new OwnershipRules(rules);
  }

  private static Rule compile(int line, String pattern, List<String> owners) {
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
    // Matches the path itself or, as a directory, anything beneath it.
    String tail = directory ? "/.*" : "(/.*)?";
    Pattern anchored = Pattern.compile((rooted ? "" : "(.*/)?") + body + tail);
    Pattern anywhere = Pattern.compile("(.*/)?" + body + tail);
    return new Rule(line, pattern, List.copyOf(owners), anchored, anywhere);
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

  /** The owner of a repository path by the last matching rule, if any. */
  public Optional<Owner> ownerOf(String path) {
    return ownerOf(RepoPath.of(path));
  }

  Optional<Owner> ownerOf(RepoPath path) {
    String p = path.toString();
    for (int i = rules.size() - 1; i >= 0; i--) {
      Rule r = rules.get(i);
      Pattern pattern = path.derived() ? r.anywhere() : r.anchored();
      if (pattern.matcher(p).matches()) {
        return Optional.of(new Owner(r.owners().getFirst(), r));
      }
    }
    return Optional.empty();
  }
}
