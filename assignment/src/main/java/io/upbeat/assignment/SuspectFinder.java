package io.upbeat.assignment;

import io.upbeat.assignment.Release.Commit;
import io.upbeat.assignment.Release.FileChange;
import io.upbeat.assignment.Release.LineRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds the commit that most likely caused an error, from the error's stack and the commits of
 * recent releases. The scoring, in full:
 *
 * <ul>
 *   <li>Only in-app frames count (library frames never do), numbered from the innermost in-app
 *       frame, depth 0. A frame at depth d weighs {@code 1 / (1 + d/2)}: 1, 0.67, 0.5, 0.4, ...
 *   <li>A commit is evidence for a frame when it changed the frame's file (same file: the shorter
 *       path is a whole-segment suffix of the longer; deleted files never match). It is strong
 *       evidence (1.0) when one of its changed line ranges, widened by {@link #SLACK} lines,
 *       contains the frame's line; otherwise weak (0.4).
 *   <li>Commits of the event's own release count fully; each older release (up to 5, newest first)
 *       multiplies by {@link #AGE_DECAY}.
 *   <li>A commit's score is its best frame's weight x evidence x age factor. The best commit wins;
 *       among equal scores the newer release, then the newer commit. Below {@link #THRESHOLD} there
 *       is no suspect: a wrong assignee is worse than none. So a commit that only touched the file
 *       qualifies for the innermost in-app frame of the event's own release alone, and a line match
 *       down to depth 3.
 * </ul>
 */
public final class SuspectFinder {
  static final int SLACK = 3;
  static final double STRONG = 1.0;
  static final double WEAK = 0.4;
  static final double AGE_DECAY = 0.85;
  static final double THRESHOLD = 0.35;
  static final int MAX_RELEASES = 6;

  /** The verdict: which commit, which of its files and which frame, and why. */
  public record Suspect(
      Commit commit,
      String releaseVersion,
      FileChange file,
      Frame frame,
      boolean lineMatch,
      double score) {
    /**
     * E.g. {@code commit 9fceb02 by alice@example.com changed UserService.java lines 40-48; frame
     * UserService.find:42}.
     */
    public String reason() {
      return reasonText();
    }

    /** The frame that led to the commit, as {@code com.shop.UserService.find:42}. */
    public String frameLabel() {
      return frame.module() + "." + frame.function() + ":" + frame.lineno();
    }

    private String reasonText() {
      String file = RepoPath.of(this.file.path()).fileName();
      String lines =
          lineMatch && this.file.lines() != null
              ? " lines "
                  + String.join(
                      ", ",
                      this.file.lines().stream()
                          .filter(r -> covers(r, frame.lineno()))
                          .map(LineRange::toString)
                          .toList())
              : "";
      return "commit %s by %s changed %s%s; frame %s%s"
          .formatted(
              commit.shortSha(),
              commit.authorEmail(),
              file,
              lines,
              frame.label(),
              lineMatch ? "" : " (same file, other lines)");
    }
  }

  private record Candidate(
      Commit commit,
      String version,
      int age,
      FileChange file,
      Frame frame,
      boolean line,
      double score) {}

  /**
   * @param frames the error's frames, innermost first (of the exception chain, root cause first)
   * @param releases the event's release then up to 5 earlier ones of its app and environment,
   *     newest first
   */
  public Optional<Suspect> find(List<Frame> frames, List<Release> releases) {
    List<Frame> inApp = frames.stream().filter(Frame::inApp).toList();
    List<RepoPath> paths = inApp.stream().map(RepoPath::ofFrame).toList();
    List<Candidate> candidates = new ArrayList<>();
    for (int age = 0; age < Math.min(MAX_RELEASES, releases.size()); age++) {
      Release release = releases.get(age);
      double ageFactor = Math.pow(AGE_DECAY, age);
      for (Commit commit : release.commits()) {
        Candidate best = null;
        for (int depth = 0; depth < inApp.size(); depth++) {
          RepoPath framePath = paths.get(depth);
          if (framePath == null) {
            continue;
          }
          Frame frame = inApp.get(depth);
          for (FileChange file : commit.files()) {
            if ("deleted".equals(file.change()) || !RepoPath.of(file.path()).sameFile(framePath)) {
              continue;
            }
            boolean line = touchesLine(file, frame.lineno());
            double score = (line ? STRONG : WEAK) * weight(depth) * ageFactor;
            if (best == null || score > best.score()) {
              best = new Candidate(commit, release.version(), age, file, frame, line, score);
            }
          }
        }
        if (best != null) {
          candidates.add(best);
        }
      }
    }
    return candidates.stream()
        .filter(c -> c.score() >= THRESHOLD - 1e-12)
        .min(
            Comparator.comparingDouble(Candidate::score)
                .reversed()
                .thenComparingInt(Candidate::age)
                .thenComparing(
                    (Candidate c) -> c.commit().timestamp(),
                    Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparingInt(c -> c.commit().position()))
        .map(c -> new Suspect(c.commit(), c.version(), c.file(), c.frame(), c.line(), c.score()));
  }

  static double weight(int depth) {
    return 1.0 / (1.0 + depth / 2.0);
  }

  private static boolean touchesLine(FileChange file, Integer lineno) {
    if (lineno == null || file.lines() == null) {
      return false;
    }
    for (LineRange r : file.lines()) {
      if (covers(r, lineno)) {
        return true;
      }
    }
    return false;
  }

  private static boolean covers(LineRange r, Integer lineno) {
    return lineno != null && lineno >= r.start() - SLACK && lineno <= r.end() + SLACK;
  }
}
