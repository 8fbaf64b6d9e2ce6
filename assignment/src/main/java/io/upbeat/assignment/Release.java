package io.upbeat.assignment;

import java.time.Instant;
import java.util.List;

/** A deploy and the commits it brought, as CI posted them. */
public record Release(String version, Instant deployedAt, List<Commit> commits) {
  public Release {
    commits = List.copyOf(commits);
  }

  /** A commit: who wrote it and which lines of which files it changed. */
  public record Commit(
      String sha,
      String authorEmail,
      String message,
      Instant timestamp,
      int position,
      List<FileChange> files) {
    public Commit {
      files = List.copyOf(files);
    }

    String shortSha() {
      return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }
  }

  /**
   * A changed file: its path after the commit, how it changed, and the changed line ranges
   * (inclusive, in the file after the commit), or null when CI did not send them.
   */
  public record FileChange(String path, String change, List<LineRange> lines) {
    public FileChange {
      lines = lines == null ? null : List.copyOf(lines);
    }
  }

  /** Lines {@code start} to {@code end}, inclusive. */
  public record LineRange(int start, int end) {
    @Override
    public String toString() {
      return start == end ? String.valueOf(start) : start + "-" + end;
    }
  }
}
