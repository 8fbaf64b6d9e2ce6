package io.upbeat.agent.release;

import java.time.Instant;
import java.util.List;

/**
 * One commit as the release payload carries it. {@code files} is empty for a merge commit (its
 * changes are listed under the commits that made them).
 */
record Commit(
    String sha,
    List<String> parents,
    String authorName,
    String authorEmail,
    Instant timestamp,
    String message,
    List<FileChange> files) {
  Commit {
    parents = List.copyOf(parents);
    files = List.copyOf(files);
  }

  boolean merge() {
    return parents.size() > 1;
  }

  /**
   * A file the commit touched, by its path after the commit. {@code lines} are the added or changed
   * line ranges in the new file, or null when unknown (binary) or meaningless (deleted).
   */
  record FileChange(String path, String change, List<Range> lines) {
    FileChange {
      lines = lines == null ? null : List.copyOf(lines);
    }
  }

  /** Lines {@code start} to {@code end}, inclusive, from 1. */
  record Range(int start, int end) {
    Range {
      if (start < 1 || end < start) {
        throw new IllegalArgumentException("bad line range: " + start + "-" + end);
      }
    }
  }
}
