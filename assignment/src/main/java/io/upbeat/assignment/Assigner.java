package io.upbeat.assignment;

import java.util.List;
import java.util.Optional;

/**
 * Who gets an error: the author of its suspect commit; failing that, the owner of its innermost
 * in-app frame's file by the app's ownership rules; failing that, nobody.
 */
public final class Assigner {
  private final SuspectFinder suspects = new SuspectFinder();

  /** An assignee and the reason shown next to it; {@code suspect} when a commit decided. */
  public record Assignment(String email, String reason, Optional<SuspectFinder.Suspect> suspect) {}

  public Optional<Assignment> assign(
      List<Frame> frames, List<Release> releases, OwnershipRules rules) {
    Optional<SuspectFinder.Suspect> suspect = suspects.find(frames, releases);
    if (suspect.isPresent() && suspect.get().commit().authorEmail() != null) {
      return Optional.of(
          new Assignment(
              RepoPath.lower(suspect.get().commit().authorEmail()),
              suspect.get().reason(),
              suspect));
    }
    for (Frame f : frames) {
      if (!f.inApp()) {
        continue;
      }
      RepoPath path = RepoPath.ofFrame(f);
      if (path == null) {
        continue;
      }
      // A commit file that is the same file gives the frame its repository path.
      RepoPath repoPath = repositoryPath(path, releases);
      Optional<OwnershipRules.Owner> owner = rules.ownerOf(repoPath);
      if (owner.isPresent()) {
        return Optional.of(
            new Assignment(
                owner.get().email(),
                "ownership rule line %d (%s) owns %s; frame %s"
                    .formatted(
                        owner.get().rule().line(),
                        owner.get().rule().pattern(),
                        repoPath,
                        f.label()),
                Optional.empty()));
      }
      return Optional.empty(); // the innermost in-app frame decides; deeper ones are not the cause
    }
    return Optional.empty();
  }

  private static RepoPath repositoryPath(RepoPath path, List<Release> releases) {
    if (!path.derived()) {
      return path;
    }
    for (Release r : releases) {
      for (Release.Commit c : r.commits()) {
        for (Release.FileChange f : c.files()) {
          RepoPath candidate = RepoPath.of(f.path());
          if (candidate.sameFile(path) && candidate.segments().size() >= path.segments().size()) {
            return candidate;
          }
        }
      }
    }
    return path;
  }
}
