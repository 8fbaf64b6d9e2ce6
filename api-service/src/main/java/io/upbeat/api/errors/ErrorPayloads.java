package io.upbeat.api.errors;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import io.upbeat.events.ErrorContext;
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
   * @param ignoreUntil when an ignored group is reopened; null unless ignored with a condition
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
      String resolvedEnvironment,
      IgnoreUntil ignoreUntil) {}

  /**
   * The condition set by {@code PATCH {"status": "ignored", "ignore_until": ...}}, in the same
   * terms, so it reads back as given: exactly one of {@code count} (the events still to come before
   * the group reopens; {@code until_count} is the group's count it reopens at), {@code minutes} (as
   * given; {@code until} is when the group reopens with its next event) or {@code next_release};
   * {@code ignored_at} is when it was set. Members that do not apply are left out.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record IgnoreUntil(
      Long count,
      Long untilCount,
      Long minutes,
      Instant until,
      Boolean nextRelease,
      Instant ignoredAt) {
    /**
     * @return null when no condition is set (ignored until a person changes it)
     */
    static IgnoreUntil of(
        Long untilCount, long count, Instant until, boolean nextRelease, Instant ignoredAt) {
      if (untilCount != null) {
        return new IgnoreUntil(
            Math.max(0, untilCount - count), untilCount, null, null, null, ignoredAt);
      }
      if (until != null) {
        // Rounded: the two instants were taken a moment apart.
        Long minutes =
            ignoredAt == null
                ? null
                : Math.round(java.time.Duration.between(ignoredAt, until).toMillis() / 60_000.0);
        return new IgnoreUntil(null, null, minutes, until, null, ignoredAt);
      }
      if (nextRelease) {
        return new IgnoreUntil(null, null, null, null, true, ignoredAt);
      }
      return null;
    }
  }

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
   *
   * @param traceId the distributed trace it happened in (see the trace API); null if none
   * @param transactionId the transaction it happened in; null if none
   * @param parentId the span or transaction that was current when it was captured; null if none
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
      @JsonRawValue String context,
      String traceId,
      String transactionId,
      String parentId) {}

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
   * suspect commit (null when none was found), and for the window of {@code hourly}: the newest
   * occurrence's context, the events per environment and per release, and the distinct users.
   *
   * @param context the request, user and tags of {@code latest}; null when there is no occurrence
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
      IgnoreUntil ignoreUntil,
      String fingerprint,
      List<HourlyCount> hourly,
      Occurrence latest,
      SuspectCommit suspectCommit,
      ErrorContext context,
      List<ErrorBreakdowns.EnvironmentCount> environments,
      List<ErrorBreakdowns.ReleaseCount> releases,
      ErrorBreakdowns.Users users,
      UUID mergedInto,
      List<MergedGroup> merged) {
    ErrorDetail {
      hourly = List.copyOf(hourly);
      environments = List.copyOf(environments);
      releases = List.copyOf(releases);
      merged = List.copyOf(merged);
    }

    static ErrorDetail of(
        ErrorGroup g,
        String fingerprint,
        List<HourlyCount> hourly,
        Occurrence latest,
        SuspectCommit suspectCommit,
        ErrorBreakdowns.Breakdown breakdown,
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
          g.ignoreUntil(),
          fingerprint,
          hourly,
          latest,
          suspectCommit,
          latest == null ? null : ErrorContext.parse(latest.context()),
          breakdown.environments(),
          breakdown.releases(),
          breakdown.users(),
          mergedInto,
          merged);
    }
  }
}
