package io.upbeat.alerting;

import io.upbeat.metrics.DurationStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Evaluates a minute condition over a range of minutes from one read of the minute data: the
 * evaluator's step each minute, the catch-up after downtime and the 7-day preview all go through
 * here.
 */
public final class Readings {
  private Readings() {}

  /**
   * The condition as of one minute.
   *
   * @param minute the start of the minute evaluated (its data is complete)
   * @param breached whether the condition holds
   * @param value the measured value of this minute (or of the window, for error counts); null when
   *     the minute had no data for it
   */
  public record Reading(Instant minute, boolean breached, Double value) {}

  private static final Duration MINUTE = Duration.ofMinutes(1);

  /**
   * The readings of the minutes [{@code first}, {@code last}], each over its own {@link
   * Condition#span()} minutes ending with it.
   */
  public static List<Reading> evaluate(
      Condition condition,
      MinuteSource source,
      UUID app,
      String environment,
      Instant first,
      Instant last) {
    Instant from = first.minus(MINUTE.multipliedBy(condition.span() - 1L));
    Instant to = last.plus(MINUTE);
    List<Reading> out = new ArrayList<>();
    switch (condition) {
      case Condition.Latency l -> {
        Map<Instant, DurationStats> data =
            source.transactions(app, environment, l.transaction(), from, to);
        for (Instant m = first; !m.isAfter(last); m = m.plus(MINUTE)) {
          boolean all = true;
          for (int k = 0; k < l.forMinutes() && all; k++) {
            Double v = statistic(l, data.get(m.minus(MINUTE.multipliedBy(k))));
            all = v != null && v > l.thresholdMs();
          }
          out.add(new Reading(m, all, statistic(l, data.get(m))));
        }
      }
      case Condition.ErrorRate r -> {
        Map<Instant, DurationStats> data = source.transactions(app, environment, null, from, to);
        for (Instant m = first; !m.isAfter(last); m = m.plus(MINUTE)) {
          boolean all = true;
          for (int k = 0; k < r.forMinutes() && all; k++) {
            Double v = percent(r, data.get(m.minus(MINUTE.multipliedBy(k))));
            all = v != null && v > r.thresholdPercent();
          }
          out.add(new Reading(m, all, percent(r, data.get(m))));
        }
      }
      case Condition.ThroughputBelow t -> {
        Map<Instant, DurationStats> data =
            source.transactions(app, environment, t.transaction(), from, to);
        for (Instant m = first; !m.isAfter(last); m = m.plus(MINUTE)) {
          boolean all = true;
          for (int k = 0; k < t.forMinutes() && all; k++) {
            all = count(data.get(m.minus(MINUTE.multipliedBy(k)))) < t.rpm();
          }
          out.add(new Reading(m, all, (double) count(data.get(m))));
        }
      }
      case Condition.ErrorCount e -> {
        Map<Instant, Long> data = source.errors(app, environment, e.groupId(), from, to);
        for (Instant m = first; !m.isAfter(last); m = m.plus(MINUTE)) {
          long sum = 0;
          for (int k = 0; k < e.windowMinutes(); k++) {
            sum += data.getOrDefault(m.minus(MINUTE.multipliedBy(k)), 0L);
          }
          out.add(new Reading(m, sum > e.threshold(), (double) sum));
        }
      }
      case Condition.NewError n ->
          throw new IllegalArgumentException("new_error is decided by triage, not each minute");
      case Condition.Regression g ->
          throw new IllegalArgumentException("regression is decided by triage, not each minute");
    }
    return out;
  }

  private static Double statistic(Condition.Latency l, DurationStats s) {
    return s == null ? null : l.statistic().of(s);
  }

  /** Failures over transactions in percent; null below the minimum of requests. */
  private static Double percent(Condition.ErrorRate r, DurationStats s) {
    long n = count(s);
    if (n == 0 || n < r.minRequests()) {
      return null;
    }
    return s.failures() * 100.0 / n;
  }

  private static long count(DurationStats s) {
    return s == null ? 0 : s.count();
  }
}
