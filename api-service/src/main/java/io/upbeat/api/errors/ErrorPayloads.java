package io.upbeat.api.errors;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What the errors endpoints answer. Names become snake_case on the wire. */
final class ErrorPayloads {
  private ErrorPayloads() {}

  /** Who looks after a group, and why: {@code manual} when a person chose them. */
  /**
   * Who is assigned and why; {@code member} is the org member with that e-mail (a suspect commit's
   * author may have none), or null.
   */
  record Assignee(String email, String reason, Member member) {}

  /** An org member an assignee e-mail belongs to. */
  record Member(UUID id, String name) {}

  /**
   * One error group as lists show it.
   *
   * @param regressed whether the group came back after it was resolved (it is then unresolved
   *     again); cleared when it is resolved anew
   * @param resolvedAt when it was last resolved; null unless resolved
   * @param resolvedInRelease the newest release of the app in {@code resolvedEnvironment} when it
   *     was resolved: events of a release deployed after it reopen the group
   * @param resolvedEnvironment the environment of the group's newest occurrence then
   */
  record ErrorGroup(
      UUID id,
      String type,
      String message,
      String culprit,
      long count,
      Instant firstSeen,
      Instant lastSeen,
      String firstRelease,
      String lastRelease,
      String status,
      Assignee assignee,
      boolean regressed,
      Instant resolvedAt,
      String resolvedInRelease,
      String resolvedEnvironment) {}

  /**
   * @param nextCursor the cursor of the following page; null on the last one
   */
  record ErrorPage(List<ErrorGroup> items, String nextCursor) {
    ErrorPage {
      items = List.copyOf(items);
    }
  }

  /** Occurrences in one hour starting at {@code t}. */
  record HourlyCount(Instant t, long count) {}

  /**
   * One stored occurrence. {@code exception} (type, message, stacktrace frames, cause) and {@code
   * context} are passed on exactly as the processor stored them.
   */
  record Occurrence(
      long id,
      Instant occurredAt,
      String eventId,
      String environment,
      String release,
      String transactionName,
      String message,
      @JsonRawValue String exception,
      @JsonRawValue String context) {}

  record Occurrences(List<Occurrence> items) {
    Occurrences {
      items = List.copyOf(items);
    }
  }

  /**
   * The commit that most likely introduced a group, as the processor found it when the group
   * appeared or regressed.
   *
   * @param path the file of the matching stack frame that the commit changed
   * @param lines the commit's changed line ranges in that file, {@code [[start, end], ...]}
   *     inclusive, passed on as stored; null when CI sent none
   * @param frame the stack frame that led to it (e.g. {@code com.shop.UserService.find:42})
   * @param release the release that brought the commit
   */
  record SuspectCommit(
      String sha,
      String authorEmail,
      String message,
      String path,
      @JsonRawValue String lines,
      String frame,
      String release) {}

  /** A group merged into another, as the merged group's detail lists it (its own count). */
  record MergedGroup(UUID id, String fingerprint, String type, String message, long count) {}

  /**
   * One group in full: the list item plus its fingerprint, hourly counts, newest occurrence and
   * suspect commit (null when none was found).
   *
   * @param mergedInto the group this one was merged into (its counts are then its own, and lists
   *     show that group instead); null when it is not merged into another
   * @param merged the groups merged into this one, whose counts and occurrences it includes
   */
  record ErrorDetail(
      UUID id,
      String type,
      String message,
      String culprit,
      long count,
      Instant firstSeen,
      Instant lastSeen,
      String firstRelease,
      String lastRelease,
      String status,
      Assignee assignee,
      boolean regressed,
      Instant resolvedAt,
      String resolvedInRelease,
      String resolvedEnvironment,
      String fingerprint,
      List<HourlyCount> hourly,
      Occurrence latest,
      SuspectCommit suspectCommit,
      UUID mergedInto,
      List<MergedGroup> merged) {
    ErrorDetail {
      hourly = List.copyOf(hourly);
      merged = List.copyOf(merged);
    }

    static ErrorDetail of(
        ErrorGroup g,
        String fingerprint,
        List<HourlyCount> hourly,
        Occurrence latest,
        SuspectCommit suspectCommit,
        UUID mergedInto,
        List<MergedGroup> merged) {
      return new ErrorDetail(
          g.id(),
          g.type(),
          g.message(),
          g.culprit(),
          g.count(),
          g.firstSeen(),
          g.lastSeen(),
          g.firstRelease(),
          g.lastRelease(),
          g.status(),
          g.assignee(),
          g.regressed(),
          g.resolvedAt(),
          g.resolvedInRelease(),
          g.resolvedEnvironment(),
          fingerprint,
          hourly,
          latest,
          suspectCommit,
          mergedInto,
          merged);
    }
  }
}
