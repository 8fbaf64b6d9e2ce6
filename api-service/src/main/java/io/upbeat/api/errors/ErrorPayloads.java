package io.upbeat.api.errors;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What the errors endpoints answer. Names become snake_case on the wire. */
final class ErrorPayloads {
  private ErrorPayloads() {}

  /** Who looks after a group, and why: {@code manual} when a person chose them. */
  record Assignee(String email, String reason) {}

  /** One error group as lists show it. */
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
      Assignee assignee) {}

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

  /** The commit that most likely introduced a group; filled by a later milestone. */
  record SuspectCommit(
      String sha, String authorEmail, String message, String path, List<Integer> lines) {}

  /** One group in full: the list item plus its fingerprint, hourly counts and newest occurrence. */
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
      String fingerprint,
      List<HourlyCount> hourly,
      Occurrence latest,
      SuspectCommit suspectCommit) {
    ErrorDetail {
      hourly = List.copyOf(hourly);
    }

    static ErrorDetail of(
        ErrorGroup g, String fingerprint, List<HourlyCount> hourly, Occurrence latest) {
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
          fingerprint,
          hourly,
          latest,
          null);
    }
  }
}
