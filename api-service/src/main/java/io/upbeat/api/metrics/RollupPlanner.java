package io.upbeat.api.metrics;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Decides which stored rows answer a window exactly: the coarsest level whose buckets fit the
 * window's edges. Whole UTC days come from day rows, whole hours from hour rows, and the partial
 * hours at the edges from minute rows. A day or hour whose rollup is stale (marked dirty since its
 * last rollup: new or late events) is read from the finer level instead, so a query never misses
 * what the processor already wrote.
 *
 * <p>Minute rows exist only within their retention; an edge older than that is widened to its whole
 * hour (the only data left), and the same for hours beyond theirs.
 */
final class RollupPlanner {
  private final Set<Instant> dirtyHours;
  private final Set<Instant> dirtyDays;
  private final Instant minuteHorizon;
  private final Instant hourHorizon;

  /**
   * @param dirtyHours hours whose hour row is stale
   * @param dirtyDays days whose day row is stale
   * @param minuteHorizon the oldest minute still stored
   * @param hourHorizon the oldest hour still stored
   */
  RollupPlanner(
      Set<Instant> dirtyHours, Set<Instant> dirtyDays, Instant minuteHorizon, Instant hourHorizon) {
    this.dirtyHours = dirtyHours;
    this.dirtyDays = dirtyDays;
    this.minuteHorizon = minuteHorizon;
    this.hourHorizon = hourHorizon;
  }

  /** A level of stored rows. */
  enum Level {
    MINUTE("txn_metrics_1m", Duration.ofMinutes(1)),
    HOUR("txn_metrics_1h", Duration.ofHours(1)),
    DAY("txn_metrics_1d", Duration.ofDays(1));

    final String table;
    final Duration bucket;

    Level(String table, Duration bucket) {
      this.table = table;
      this.bucket = bucket;
    }
  }

  /** Buckets of one level whose start lies in [from, to). */
  record Segment(Level level, Instant from, Instant to) {}

  /** The segments covering [from, to), both minute-aligned, in time order. */
  List<Segment> plan(Instant from, Instant to) {
    List<Segment> out = new ArrayList<>();
    Instant at = from;
    while (at.isBefore(to)) {
      Instant hour = at.truncatedTo(ChronoUnit.HOURS);
      Instant day = at.truncatedTo(ChronoUnit.DAYS);
      Instant nextDay = day.plus(Duration.ofDays(1));
      Instant nextHour = hour.plus(Duration.ofHours(1));
      if (at.equals(day) && !nextDay.isAfter(to) && dayIsFresh(day)) {
        add(out, Level.DAY, day, nextDay);
        at = nextDay;
      } else if (hour.isBefore(hourHorizon)) {
        // Older than the hour rows: the day row is all there is (the edge widens to the day).
        add(out, Level.DAY, day, nextDay);
        at = nextDay;
      } else if (at.equals(hour) && !nextHour.isAfter(to) && !dirtyHours.contains(hour)) {
        add(out, Level.HOUR, hour, nextHour);
        at = nextHour;
      } else if (hour.isBefore(minuteHorizon)) {
        // Older than the minute rows: the hour row is all there is (the edge widens to the hour).
        add(out, Level.HOUR, hour, nextHour);
        at = nextHour;
      } else {
        Instant end = nextHour.isBefore(to) ? nextHour : to;
        add(out, Level.MINUTE, at, end);
        at = end;
      }
    }
    return out;
  }

  /**
   * The segments of several plans (one per chart point, in time order) as few as possible: adjacent
   * ones of a level joined, so a 1,440-point chart reads one range, not 1,440.
   */
  static List<Segment> coalesce(List<Segment> segments) {
    List<Segment> out = new ArrayList<>();
    for (Segment s : segments) {
      add(out, s.level(), s.from(), s.to());
    }
    return out;
  }

  private boolean dayIsFresh(Instant day) {
    if (dirtyDays.contains(day)) {
      return false;
    }
    for (Instant h : dirtyHours) {
      if (!h.isBefore(day) && h.isBefore(day.plus(Duration.ofDays(1)))) {
        return false;
      }
    }
    return true;
  }

  /** Appends a segment, extending the previous one when it continues it. */
  private static void add(List<Segment> out, Level level, Instant from, Instant to) {
    if (!out.isEmpty()) {
      Segment last = out.getLast();
      if (last.level() == level && last.to().equals(from)) {
        out.set(out.size() - 1, new Segment(level, last.from(), to));
        return;
      }
    }
    out.add(new Segment(level, from, to));
  }
}
