package io.upbeat.agent.release;

import io.upbeat.agent.release.Commit.FileChange;
import io.upbeat.agent.release.Commit.Range;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the output of {@code git log} run with {@link #ARGS} into commits, streaming (a release can
 * span large diffs). Each commit starts with a record separator (0x1e) and NUL-separated fields;
 * then comes its patch with no context lines, whose hunk headers give the changed ranges. Hunk
 * bodies are skipped by their line counts, so a changed line that looks like a header (or starts
 * with 0x1e) is never mistaken for one.
 */
final class GitLog {
  /** At most this many files per commit, and line ranges per file: the API's limits. */
  static final int MAX_FILES = 1_000;

  static final int MAX_RANGES = 1_000;
  static final int MAX_MESSAGE = 10_000;
  static final int MAX_AUTHOR_NAME = 200;

  private static final char RECORD = '\u001e';
  private static final int FIELDS = 6;

  /**
   * The {@code git log} options this parser expects (after {@code git -c core.quotePath=false}).
   * Merge commits get no patch from git log by default; any that a user's configuration adds is
   * ignored by the parser anyway.
   */
  static final List<String> ARGS =
      List.of(
          "--format=%x1e%H%x00%P%x00%an%x00%ae%x00%at%x00%B%x00",
          "--encoding=UTF-8",
          "-p",
          "--unified=0",
          "--no-color",
          "--no-ext-diff",
          "--no-textconv",
          "--no-show-signature",
          "-M",
          "--src-prefix=a/",
          "--dst-prefix=b/");

  /** What was read, and how much was left out to stay within the API's limits. */
  record Result(List<Commit> commits, int droppedFiles, int mergedRanges) {}

  private final List<Commit> commits = new ArrayList<>();
  private int droppedFiles;
  private int mergedRanges;

  // The commit being read.
  private String[] header;
  private List<FileChange> files;
  private Set<String> paths;
  // The file being read.
  private FileBuilder file;
  // Lines of the current hunk still to skip.
  private int oldLeft;
  private int newLeft;

  private GitLog() {}

  static Result parse(BufferedReader in) throws IOException {
    GitLog log = new GitLog();
    log.read(in);
    return new Result(List.copyOf(log.commits), log.droppedFiles, log.mergedRanges);
  }

  private void read(BufferedReader in) throws IOException {
    String line;
    while ((line = in.readLine()) != null) {
      if (oldLeft > 0 || newLeft > 0) {
        hunkLine(line);
      } else if (!line.isEmpty() && line.charAt(0) == RECORD) {
        finishCommit();
        header = readHeader(line, in);
        files = new ArrayList<>();
        paths = new HashSet<>();
      } else if (header != null) {
        headerLine(line);
      }
    }
    finishCommit();
  }

  /** The commit's fields; the message may span lines, so read on until the last NUL. */
  private static String[] readHeader(String first, BufferedReader in) throws IOException {
    StringBuilder b = new StringBuilder(first.substring(1));
    String line = first;
    while (count(b) < FIELDS && (line = in.readLine()) != null) {
      b.append('\n').append(line);
    }
    String[] fields = b.toString().split("\u0000", -1);
    if (fields.length < FIELDS) {
      throw new IOException("unexpected git log output: a commit header is cut short");
    }
    return Arrays.copyOf(fields, FIELDS);
  }

  private static int count(CharSequence s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\u0000') {
        n++;
      }
    }
    return n;
  }

  private void hunkLine(String line) {
    if (line.startsWith("-")) {
      oldLeft--;
    } else if (line.startsWith("+")) {
      newLeft--;
    } else if (line.startsWith(" ")) { // context, should --unified=0 ever be overridden
      oldLeft--;
      newLeft--;
    }
    // "\ No newline at end of file" counts for neither side.
  }

  private void headerLine(String line) {
    if (line.startsWith("diff --git ")) {
      finishFile();
      file = new FileBuilder(diffGitPath(line.substring("diff --git ".length())));
    } else if (file == null) {
      return; // the blank lines between the header and the patch
    } else if (line.startsWith("new file mode ")) {
      file.change = "added";
    } else if (line.startsWith("deleted file mode ")) {
      file.change = "deleted";
    } else if (line.startsWith("rename to ")) {
      file.change = "renamed";
      file.path = unquote(line.substring("rename to ".length()));
    } else if (line.startsWith("copy to ")) {
      file.change = "added";
      file.path = unquote(line.substring("copy to ".length()));
    } else if (line.startsWith("--- ")) {
      String path = headerPath(line.substring(4), "a/");
      if (path != null && file.path == null) {
        file.path = path;
      }
    } else if (line.startsWith("+++ ")) {
      String path = headerPath(line.substring(4), "b/");
      if (path != null) {
        file.path = path;
      }
    } else if (line.startsWith("Binary files ") || line.equals("GIT binary patch")) {
      file.binary = true;
    } else if (line.startsWith("@@")) {
      int[] hunk = hunk(line);
      if (hunk != null) {
        int oldCount = hunk[0];
        int start = hunk[1];
        int newCount = hunk[2];
        if (newCount > 0) { // 0: a pure deletion, nothing left to point at in the new file
          file.ranges.add(new Range(start, start + newCount - 1));
        }
        oldLeft = oldCount;
        newLeft = newCount;
      }
    }
  }

  /**
   * A hunk header {@code @@ -old[,count] +start[,count] @@...} as {old count, new start, new count}
   * (a count left out is 1), or null. One scan, no regular expression; a number beyond an int is no
   * header.
   */
  static int[] hunk(String line) {
    int[] at = {0};
    if (!line.startsWith("@@")) {
      return null;
    }
    at[0] = 2;
    while (at[0] < line.length() && line.charAt(at[0]) == '@') {
      at[0]++;
    }
    if (!skip(line, at, " -") || number(line, at) < 0) {
      return null;
    }
    int oldCount = skip(line, at, ",") ? number(line, at) : 1;
    if (oldCount < 0 || !skip(line, at, " +")) {
      return null;
    }
    int start = number(line, at);
    if (start < 0) {
      return null;
    }
    int newCount = skip(line, at, ",") ? number(line, at) : 1;
    if (newCount < 0 || !skip(line, at, " @@")) {
      return null;
    }
    return new int[] {oldCount, start, newCount};
  }

  private static boolean skip(String s, int[] at, String expected) {
    if (!s.startsWith(expected, at[0])) {
      return false;
    }
    at[0] += expected.length();
    return true;
  }

  /** The ASCII digits at {@code at[0]} as an int; -1 if there are none or it overflows. */
  private static int number(String s, int[] at) {
    int i = at[0];
    long n = 0;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      n = n * 10 + (s.charAt(i) - '0');
      if (n > Integer.MAX_VALUE) {
        return -1;
      }
      i++;
    }
    if (i == at[0]) {
      return -1;
    }
    at[0] = i;
    return (int) n;
  }

  /** A full commit sha: 40 or 64 hexadecimal digits. */
  static boolean fullSha(String s) {
    if (s == null || (s.length() != 40 && s.length() != 64)) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  /**
   * What the API takes as an e-mail address (its {@code EmailAddresses}, which the agent cannot
   * depend on): at most 320 characters, one {@code @} after a non-empty local part, a domain with a
   * dot inside it, no space or control character. One scan, no regular expression. An address that
   * fails (root@localhost) is left out rather than failing the release.
   */
  static boolean email(String s) {
    if (s == null || s.length() > 320) {
      return false;
    }
    int n = s.length();
    int at = -1;
    boolean innerDot = false;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == ' ' || Character.isISOControl(c)) {
        return false;
      }
      if (c == '@') {
        if (at >= 0 || i == 0) {
          return false;
        }
        at = i;
      } else if (c == '.' && at >= 0 && i > at + 1 && i < n - 1) {
        innerDot = true;
      }
    }
    return at >= 0 && innerDot;
  }

  /**
   * Text the API stores as sent: NUL (which PostgreSQL refuses) and unpaired surrogates (which
   * UTF-8 cannot carry) become U+FFFD. Git's bytes were decoded leniently already.
   */
  static String storable(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean bad;
      if (Character.isHighSurrogate(c)) {
        bad = i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        if (!bad) {
          if (b != null) {
            b.append(c).append(s.charAt(i + 1));
          }
          i++;
          continue;
        }
      } else {
        bad = c == '\u0000' || Character.isLowSurrogate(c);
      }
      if (bad && b == null) {
        b = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (b != null) {
        b.append(bad ? '\uFFFD' : c);
      }
    }
    return b == null ? s : b.toString();
  }

  /** At most {@code max} characters, never ending in half a surrogate pair. */
  static String truncate(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end);
  }

  private void finishFile() {
    if (file == null) {
      return;
    }
    FileBuilder f = file;
    file = null;
    // Two names that differ only in bytes that are not UTF-8 read the same: one entry.
    String path = f.path == null ? null : storable(f.path);
    if (path == null || path.isEmpty() || !paths.add(path)) {
      return;
    }
    if (files.size() >= MAX_FILES) {
      droppedFiles++;
      return;
    }
    List<Range> lines = null;
    if (!f.binary && !"deleted".equals(f.change)) {
      lines = f.ranges;
      if (lines.size() > MAX_RANGES) {
        // Keep the first ranges exact and cover the rest with one, so no changed line is lost.
        Range last = lines.get(lines.size() - 1);
        mergedRanges += lines.size() - MAX_RANGES + 1;
        lines = new ArrayList<>(lines.subList(0, MAX_RANGES - 1));
        lines.add(new Range(f.ranges.get(MAX_RANGES - 1).start(), last.end()));
      }
    }
    files.add(new FileChange(path, f.change, lines));
  }

  private void finishCommit() {
    finishFile();
    if (header == null) {
      return;
    }
    String[] h = header;
    header = null;
    List<String> parents = h[1].isBlank() ? List.of() : List.of(h[1].trim().split(" "));
    String message = truncate(storable(h[5].strip()), MAX_MESSAGE);
    String name = storable(h[2].strip());
    name = name.isEmpty() ? null : truncate(name, MAX_AUTHOR_NAME);
    String email = h[3].strip();
    email = email(email) ? email : null;
    commits.add(
        new Commit(
            h[0].strip().toLowerCase(java.util.Locale.ROOT),
            parents,
            name,
            email,
            Instant.ofEpochSecond(Long.parseLong(h[4].strip())),
            message,
            // A merge's changes are listed under the commits that made them.
            parents.size() > 1 ? List.of() : files));
  }

  /** The path in a {@code ---} / {@code +++} line, or null for /dev/null. */
  private static String headerPath(String text, String prefix) {
    if (text.equals("/dev/null")) {
      return null;
    }
    if (text.endsWith("\t")) { // git adds a tab after a name with spaces
      text = text.substring(0, text.length() - 1);
    }
    String path = unquote(text);
    return path.startsWith(prefix) ? path.substring(prefix.length()) : path;
  }

  /**
   * The new path in {@code a/old b/new}, used when no later line names it (binary files, mode
   * changes, empty new files). Without renames both sides are equal, which settles names with
   * spaces.
   */
  static String diffGitPath(String rest) {
    if (rest.startsWith("\"")) {
      int end = quotedEnd(rest, 0);
      String second = rest.substring(Math.min(end + 2, rest.length()));
      String path = unquote(second);
      return path.startsWith("b/") ? path.substring(2) : path;
    }
    if (rest.endsWith("\"")) {
      String path = unquote(rest.substring(rest.lastIndexOf(" \"") + 1));
      return path.startsWith("b/") ? path.substring(2) : path;
    }
    int n = (rest.length() - 5) / 2;
    if (rest.length() % 2 == 1
        && n > 0
        && rest.startsWith("a/")
        && rest.startsWith(" b/", 2 + n)
        && rest.substring(2, 2 + n).equals(rest.substring(5 + n))) {
      return rest.substring(5 + n);
    }
    int b = rest.lastIndexOf(" b/");
    return b >= 0 ? rest.substring(b + 3) : null;
  }

  private static int quotedEnd(String s, int start) {
    for (int i = start + 1; i < s.length(); i++) {
      if (s.charAt(i) == '\\') {
        i++;
      } else if (s.charAt(i) == '"') {
        return i;
      }
    }
    return s.length() - 1;
  }

  /** Undoes git's C-style quoting of unusual names ({@code "tab\there"}, octal UTF-8 bytes). */
  static String unquote(String s) {
    if (s.length() < 2 || !s.startsWith("\"") || !s.endsWith("\"")) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length() - 1) {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'n' -> bytes.write('\n');
        case 't' -> bytes.write('\t');
        case 'r' -> bytes.write('\r');
        case 'a' -> bytes.write(7);
        case 'b' -> bytes.write('\b');
        case 'f' -> bytes.write('\f');
        case 'v' -> bytes.write(11);
        default -> {
          if (e >= '0' && e <= '7' && i + 2 < s.length() - 1) {
            bytes.write(Integer.parseInt(s.substring(i, i + 3), 8));
            i += 2;
          } else {
            bytes.write(e);
          }
        }
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static final class FileBuilder {
    String path;
    String change = "modified";
    boolean binary;
    final List<Range> ranges = new ArrayList<>();

    FileBuilder(String path) {
      this.path = path;
    }
  }
}
