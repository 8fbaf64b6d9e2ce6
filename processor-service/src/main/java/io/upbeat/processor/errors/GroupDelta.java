package io.upbeat.processor.errors;

import io.upbeat.events.ErrorContext;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.metrics.UserSketch;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one flush adds to one error group: exact count, first and last seen with their releases,
 * counts per hour, and the newest occurrences in full (at most {@code keep}).
 */
final class GroupDelta {
  /** One occurrence as stored. */
  record Occurrence(
      Instant at,
      String eventId,
      String environment,
      String release,
      String transactionName,
      String message,
      String exceptionJson,
      String contextJson,
      String traceId,
      String transactionId,
      String parentId) {}

  private static final Comparator<Occurrence> NEWEST_FIRST =
      Comparator.comparing(Occurrence::at).reversed();

  private final int keep;
  String type;
  String message;
  String culprit;
  long count;
  Instant firstSeen;
  Instant lastSeen;
  String firstRelease;
  String lastRelease;

  /** The newest event's exception and environment: what triage reads the stack from. */
  ExceptionInfo lastException;

  String lastEnvironment;

  /** The newest event time per (environment, release) seen: what decides a regression. */
  final Map<List<String>, Instant> latestByRelease = new java.util.HashMap<>();

  /**
   * The keys its events had before wrappers were skipped, where different: the flush adds the delta
   * to a group of one of them when no group has the new key yet.
   */
  final java.util.Set<String> legacy = new java.util.TreeSet<>();

  final Map<Instant, Long> hourly = new TreeMap<>();

  /** Counts per (environment, release, minute) of the events' own time: {@link ErrorCounts}. */
  final Map<ErrorCounts.Minute, Long> minutes = new java.util.HashMap<>();

  /** The distinct users per environment and hour: what {@link ErrorUsers} adds to its rows. */
  final Map<ErrorUsers.Bucket, UserSketch> users = new java.util.HashMap<>();

  final List<Occurrence> newest = new ArrayList<>();

  GroupDelta(int keep) {
    this.keep = keep;
  }

  void add(ErrorEvent e, String environment, String release) {
    add(e, e.exception(), null, environment, release);
  }

  /**
   * @param named the exception of the chain that names the group (the first that is not a wrapper)
   * @param legacyKey the event's key as it was before wrappers were skipped, or null
   */
  void add(
      ErrorEvent e, ExceptionInfo named, String legacyKey, String environment, String release) {
    Instant at = e.timestamp();
    count++;
    if (legacyKey != null) {
      legacy.add(legacyKey);
    }
    hourly.merge(at.truncatedTo(ChronoUnit.HOURS), 1L, Long::sum);
    minutes.merge(ErrorCounts.Minute.of(environment, release, at), 1L, Long::sum);
    String user = ErrorContext.userKey(e.contextJson());
    if (user != null) {
      users
          .computeIfAbsent(
              new ErrorUsers.Bucket(environment, at.truncatedTo(ChronoUnit.HOURS)),
              b -> new UserSketch())
          .add(user);
    }
    if (firstSeen == null || at.isBefore(firstSeen)) {
      firstSeen = at;
      firstRelease = release;
    }
    if (lastSeen == null || !at.isBefore(lastSeen)) {
      lastSeen = at;
      lastRelease = release;
      type = named.type();
      message = named.message();
      culprit = e.culprit() != null ? e.culprit() : culprit(named);
      lastException = e.exception();
      lastEnvironment = environment;
    }
    latestByRelease.merge(
        java.util.Arrays.asList(environment, release), at, (a, b) -> a.isAfter(b) ? a : b);
    if (newest.size() < keep || at.isAfter(newest.getLast().at())) {
      newest.add(
          new Occurrence(
              at,
              e.id(),
              environment,
              release,
              e.transactionName(),
              e.exception().message(),
              EventBatchCodec.exceptionJson(e.exception()),
              e.contextJson(),
              e.traceId(),
              e.transactionId(),
              e.parentId()));
      newest.sort(NEWEST_FIRST);
      if (newest.size() > keep) {
        newest.removeLast();
      }
    }
  }

  /** The first in-app frame as {@code module.function}, the usual "where it broke". */
  private static String culprit(ExceptionInfo named) {
    for (StackFrame f : named.stacktrace()) {
      if (Boolean.TRUE.equals(f.inApp()) && f.module() != null) {
        return f.function() == null ? f.module() : f.module() + "." + f.function();
      }
    }
    return null;
  }

  /** Folds another delta of the same group into this one. */
  void merge(GroupDelta other) {
    count += other.count;
    legacy.addAll(other.legacy);
    other.hourly.forEach((h, n) -> hourly.merge(h, n, Long::sum));
    other.minutes.forEach((m, n) -> minutes.merge(m, n, Long::sum));
    // Into a copy: the other delta's sketches belong to a work that may be committed again.
    other.users.forEach((b, u) -> users.computeIfAbsent(b, k -> new UserSketch()).merge(u));
    if (firstSeen == null || other.firstSeen.isBefore(firstSeen)) {
      firstSeen = other.firstSeen;
      firstRelease = other.firstRelease;
    }
    if (lastSeen == null || !other.lastSeen.isBefore(lastSeen)) {
      lastSeen = other.lastSeen;
      lastRelease = other.lastRelease;
      type = other.type;
      message = other.message;
      culprit = other.culprit;
      lastException = other.lastException;
      lastEnvironment = other.lastEnvironment;
    }
    other.latestByRelease.forEach(
        (k, at) -> latestByRelease.merge(k, at, (a, b) -> a.isAfter(b) ? a : b));
    newest.addAll(other.newest);
    newest.sort(NEWEST_FIRST);
    while (newest.size() > keep) {
      newest.removeLast();
    }
  }
}
