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
 *       path is a whole-segment suffix of the longer; deleted files never match). It is exact
 *       evidence (1.0) when one of its changed line ranges contains the frame's line; near (0.8)
 *       when one does only once widened by {@link #SLACK} lines (line numbers drift with edits
 *       elsewhere); otherwise weak (0.4). An exact hit beats a near miss, even a release newer, and
 *       a near miss beats a change elsewhere in the file.
 *   <li>A commit that changed more than {@link #SWEEPING} lines of the file (a reformatting, a
 *       generated file, a licence header) is weak evidence for every line: it touched the frame's
 *       line without telling anything about it. CI should also list such commits in {@code
 *       .git-blame-ignore-revs}, which the release command honours.
 *   <li>Commits of the event's own release count fully; each older release (up to 5, newest first)
 *       multiplies by {@link #AGE_DECAY}.
 *   <li>A commit's score is its best frame's weight x evidence x age factor. The best commit wins;
 *       among equal scores the newer release, then the newer commit. Below {@link #THRESHOLD} there
 *       is no suspect: a wrong assignee is worse than none. So a commit that only touched the file
 *       qualifies for the innermost in-app frame of the event's own release alone, a near miss down
 *       to depth 2 and an exact hit down to depth 3.
 * </ul>
 */
public final class SuspectFinder {
  static final int SLACK = 3;
  static final double EXACT = 1.0;
  static final double NEAR = 0.8;
  static final double WEAK = 0.4;
  static final int SWEEPING = 100;
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
              !lineMatch ? " (same file, other lines)" : exact() ? "" : " (near its line)");
    }

    /** Whether one of the file's changed ranges contains the frame's line itself. */
    public boolean exact() {
      return lineMatch
          && frame.lineno() != null
          && file.lines().stream()
              .anyMatch(r -> frame.lineno() >= r.start() && frame.lineno() <= r.end());
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
            double evidence = evidence(file, frame.lineno());
            boolean line = evidence > WEAK;
            double score = evidence * weight(depth) * ageFactor;
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

  /** {@link #EXACT}, {@link #NEAR} or {@link #WEAK}: how much the change says about the line. */
  static double evidence(FileChange file, Integer lineno) {
    if (lineno == null || file.lines() == null) {
      return WEAK;
    }
    long changed = 0;
    for (LineRange r : file.lines()) {
      changed += Math.max(0, (long) r.end() - r.start() + 1);
    }
    if (changed > SWEEPING) {
      return WEAK;
    }
    double best = WEAK;
    for (LineRange r : file.lines()) {
      if (lineno >= r.start() && lineno <= r.end()) {
        return EXACT;
      }
      if (covers(r, lineno)) {
        best = NEAR;
      }
    }
    return best;
  }

  private static boolean covers(LineRange r, Integer lineno) {
    return lineno != null && lineno >= r.start() - SLACK && lineno <= r.end() + SLACK;
  }
}
