package io.upbeat.assignment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A file path as segments, compared from the end: a stack frame rarely knows the repository root (a
 * build machine's absolute path, or only a package and a file name), so a frame's file and a
 * commit's file are the same file when the shorter path is a whole-segment suffix of the longer
 * one.
 */
record RepoPath(List<String> segments, boolean derived) {
  /** A path as given (separators normalised, {@code ./} and leading slashes dropped). */
  static RepoPath of(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.replace('\\', '/').split("/")) {
      if (!s.isEmpty() && !s.equals(".")) {
        out.add(s);
      }
    }
    return new RepoPath(List.copyOf(out), false);
  }

  /**
   * The path a frame most likely has in the repository: its {@code path} when the agent sent one;
   * otherwise its module's package as directories plus its file name ({@code com.shop.UserService}
   * + {@code UserService.java} -> {@code com/shop/UserService.java}). JVM class names of inner
   * classes, lambdas and Kotlin or Scala synthetics ({@code Foo$Bar}, {@code UtilsKt}, {@code
   * Foo$$anonfun$1}) only lose their last segment, the class, so they map to their source file too.
   * Null when neither is known.
   */
  static RepoPath ofFrame(Frame f) {
    if (f.path() != null && !f.path().isBlank()) {
      return of(f.path());
    }
    if (f.filename() == null || f.filename().isBlank() || f.filename().contains("/")) {
      return f.filename() == null || f.filename().isBlank() ? null : of(f.filename());
    }
    List<String> out = new ArrayList<>();
    if (f.module() != null) {
      String module = f.module();
      int dollar = module.indexOf('$');
      if (dollar >= 0) {
        module = module.substring(0, dollar);
      }
      String[] parts = module.split("\\.");
      for (int i = 0; i < parts.length - 1; i++) {
        if (!parts[i].isEmpty()) {
          out.add(parts[i]);
        }
      }
    }
    out.add(f.filename());
    return new RepoPath(List.copyOf(out), true);
  }

  /** Whether the two name the same file: the shorter is a whole-segment suffix of the longer. */
  boolean sameFile(RepoPath other) {
    int n = Math.min(segments.size(), other.segments.size());
    if (n == 0) {
      return false;
    }
    for (int i = 1; i <= n; i++) {
      String a = segments.get(segments.size() - i);
      String b = other.segments.get(other.segments.size() - i);
      if (!a.equals(b)) {
        return false;
      }
    }
    return true;
  }

  String fileName() {
    return segments.isEmpty() ? "" : segments.getLast();
  }

  @Override
  public String toString() {
    return String.join("/", segments);
  }

  static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }
}
