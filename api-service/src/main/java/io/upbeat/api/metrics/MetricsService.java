package io.upbeat.api.metrics;

import io.upbeat.api.metrics.MetricsStore.Filter;
import io.upbeat.api.metrics.RollupPlanner.Segment;
import io.upbeat.metrics.DurationStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Answers the metrics queries by merging stored rows, never by averaging percentiles: counts, sums,
 * min and max add up exactly, and sketches with one mapping merge exactly, so a quantile of any
 * window is as accurate as one of a single minute.
 */
@Service
public class MetricsService {
  private final MetricsStore store;
  private final MetricsProperties properties;
  private final Clock clock;

  MetricsService(MetricsStore store, MetricsProperties properties, Clock clock) {
    this.store = store;
    this.properties = properties;
    this.clock = clock;
  }

  /** Per transaction name and type over the window, sorted by impact (total time). */
  record TransactionStats(String name, String type, DurationStats stats) {}

  List<TransactionStats> transactions(
      UUID app, Instant from, Instant to, String environment, String type, int limit) {
    Map<List<String>, DurationStats> byName = new HashMap<>();
    store.read(
        planner(app, from, to).plan(from, to),
        Filter.eachName(app, environment, type),
        (bucket, t, name, count, sum, min, max, failures, sketch) ->
            byName
                .computeIfAbsent(List.of(t, name), k -> new DurationStats())
                .mergeStored(count, sum, min, max, failures, sketch));
    return byName.entrySet().stream()
        .map(e -> new TransactionStats(e.getKey().get(1), e.getKey().get(0), e.getValue()))
        .sorted(
            Comparator.comparingDouble((TransactionStats s) -> s.stats().sum())
                .reversed()
                .thenComparing(TransactionStats::name)
                .thenComparing(TransactionStats::type))
        .limit(limit)
        .toList();
  }

  /** One point of the chart: its start and the merged stats of its part of the window. */
  record Point(Instant t, DurationStats stats) {}

  record Series(List<Point> points, DurationStats summary, List<MetricsStore.Marker> releases) {}

  Series responseTime(
      UUID app,
      Instant from,
      Instant to,
      Interval interval,
      String transaction,
      String type,
      String environment) {
    RollupPlanner planner = planner(app, from, to);
    Instant first = interval.floor(from);
    List<Point> points = new ArrayList<>();
    List<Segment> segments = new ArrayList<>();
    for (Instant t = first; t.isBefore(to); t = interval.next(t)) {
      points.add(new Point(t, new DurationStats()));
      Instant start = t.isBefore(from) ? from : t;
      Instant end = interval.next(t).isAfter(to) ? to : interval.next(t);
      segments.addAll(planner.plan(start, end));
    }
    DurationStats summary = new DurationStats();
    store.read(
        RollupPlanner.coalesce(segments),
        Filter.series(app, environment, type, transaction),
        (bucket, t, name, count, sum, min, max, failures, sketch) -> {
          int i = Math.clamp(interval.index(first, bucket), 0, points.size() - 1);
          points.get(i).stats().mergeStored(count, sum, min, max, failures, sketch);
          summary.mergeStored(count, sum, min, max, failures, sketch);
        });
    return new Series(points, summary, store.releases(app, environment, from, to));
  }

  /**
   * The 95th percentile of an app's response times in a window, every transaction type and name
   * together (as the response-time chart's summary without filters).
   *
   * @param count the transactions in the window
   * @param p95Ms null when there were none
   */
  public record WindowP95(long count, Double p95Ms) {}

  /**
   * The p95 over [{@code from}, {@code to}), both whole minutes, in one environment (all when
   * null). Used by the release page to compare the hour before a deploy with the hour after.
   */
  public WindowP95 p95(UUID app, Instant from, Instant to, String environment) {
    DurationStats stats = summary(app, from, to, null, null, environment);
    return new WindowP95(stats.count(), stats.count() == 0 ? null : stats.sketch().quantile(0.95));
  }

  /**
   * The whole window's merged stats of one series: the app's (every transaction, of {@code type} if
   * given) when {@code transaction} is null, else that transaction's.
   */
  DurationStats summary(
      UUID app, Instant from, Instant to, String transaction, String type, String environment) {
    DurationStats total = new DurationStats();
    store.read(
        planner(app, from, to).plan(from, to),
        Filter.series(app, environment, type, transaction),
        (bucket, t, name, count, sum, min, max, failures, sketch) ->
            total.mergeStored(count, sum, min, max, failures, sketch));
    return total;
  }

  private RollupPlanner planner(UUID app, Instant from, Instant to) {
    MetricsStore.Dirty dirty = store.dirty(app, from, to);
    Instant today = clock.instant().truncatedTo(ChronoUnit.DAYS);
    return new RollupPlanner(
        dirty.hours(),
        dirty.days(),
        today.minus(Duration.ofDays(properties.minuteRetentionDays())),
        today.minus(Duration.ofDays(properties.hourRetentionDays())));
  }
}
