package io.upbeat.api.metrics;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.params.MinuteWindow;
import io.upbeat.api.params.Problems;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.metrics.DurationStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Response-time metrics: the transactions table and the response-time chart. */
@RestController
@RequestMapping(path = "/api/v1/apps/{appId}", produces = MediaType.APPLICATION_JSON_VALUE)
class MetricsController {
  static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
  static final Duration MAX_WINDOW = Duration.ofDays(800);
  static final int MAX_POINTS = 10_000;
  static final int DEFAULT_POINTS = 360;
  private static final String INVALID = "The query is invalid.";

  private final AccessControl access;
  private final MetricsService metrics;
  private final Clock clock;

  MetricsController(AccessControl access, MetricsService metrics, Clock clock) {
    this.access = access;
    this.metrics = metrics;
    this.clock = clock;
  }

  record TransactionItem(
      String name,
      String type,
      long count,
      double rpm,
      Double avgMs,
      Double p50Ms,
      Double p95Ms,
      Double p99Ms,
      double errorRate,
      double impact) {
    /** One transaction's row over a window of {@code minutes}. */
    static TransactionItem of(MetricsService.TransactionStats t, double minutes) {
      DurationStats s = t.stats();
      double[] q = s.sketch().quantiles(0.5, 0.95, 0.99);
      return new TransactionItem(
          t.name(),
          t.type(),
          s.count(),
          s.count() / minutes,
          s.sum() / s.count(),
          q[0],
          q[1],
          q[2],
          (double) s.failures() / s.count(),
          s.sum());
    }
  }

  record Transactions(Instant from, Instant to, List<TransactionItem> items) {}

  record PointView(
      Instant t,
      long count,
      Double avgMs,
      Double p50Ms,
      Double p90Ms,
      Double p95Ms,
      Double p99Ms,
      Double maxMs) {}

  record Summary(
      long count,
      Double avgMs,
      Double p50Ms,
      Double p90Ms,
      Double p95Ms,
      Double p99Ms,
      Double maxMs,
      double errorRate) {
    /** The whole window's figures; nulls (and a zero error rate) when it holds no data. */
    static Summary of(DurationStats s) {
      Double[] q = chartQuantiles(s);
      return new Summary(
          s.count(),
          avg(s),
          q[0],
          q[1],
          q[2],
          q[3],
          s.count() == 0 ? null : s.max(),
          s.count() == 0 ? 0 : (double) s.failures() / s.count());
    }
  }

  record ReleaseMarker(String version, Instant deployedAt) {}

  record ResponseTime(
      String interval,
      Instant from,
      Instant to,
      List<PointView> points,
      Summary summary,
      List<ReleaseMarker> releases) {}

  /** Every transaction name in the window, by impact (count x average = total time spent). */
  @GetMapping("/transactions")
  Transactions transactions(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String type,
      @RequestParam(required = false) String limit) {
    AppAccess app = access.app(user, appId);
    Problems problems = new Problems();
    MinuteWindow w = window(from, to, problems);
    int max = problems.integer("limit", limit, 1, 10_000, 1_000);
    problems.throwIfAny(INVALID);
    double minutes = Duration.between(w.from(), w.to()).toSeconds() / 60.0;
    List<TransactionItem> items =
        metrics
            .transactions(
                app.id(), w.from(), w.to(), blankToNull(environment), blankToNull(type), max)
            .stream()
            .map(t -> TransactionItem.of(t, minutes))
            .toList();
    return new Transactions(w.from(), w.to(), items);
  }

  /** The response-time chart: points per interval, a whole-window summary and deploy markers. */
  @GetMapping("/metrics/response-time")
  ResponseTime responseTime(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String interval,
      @RequestParam(required = false) String transaction,
      @RequestParam(required = false) String type,
      @RequestParam(required = false) String environment) {
    AppAccess app = access.app(user, appId);
    Problems problems = new Problems();
    MinuteWindow w = window(from, to, problems);
    Interval step = null;
    if (interval != null) {
      step = Interval.parse(interval).orElse(null);
      if (step == null) {
        problems.add("interval", "must be one of 1m, 5m, 1h, 1d");
      }
    }
    if (transaction != null && (transaction.isEmpty() || transaction.length() > 1024)) {
      problems.add("transaction", "must be 1 to 1024 characters");
    }
    problems.throwIfAny(INVALID);
    Duration length = Duration.between(w.from(), w.to());
    if (step == null) {
      step = Interval.forWindow(length, DEFAULT_POINTS);
    } else if (length.dividedBy(step.width) > MAX_POINTS) {
      problems.add(
          "interval",
          "gives more than " + MAX_POINTS + " points for this window; choose a coarser one");
      problems.throwIfAny(INVALID);
    }
    MetricsService.Series series =
        metrics.responseTime(
            app.id(),
            w.from(),
            w.to(),
            step,
            transaction,
            blankToNull(type),
            blankToNull(environment));
    List<PointView> points =
        series.points().stream()
            .map(
                p -> {
                  DurationStats s = p.stats();
                  Double[] q = chartQuantiles(s);
                  return new PointView(
                      p.t(),
                      s.count(),
                      avg(s),
                      q[0],
                      q[1],
                      q[2],
                      q[3],
                      s.count() == 0 ? null : s.max());
                })
            .toList();
    return new ResponseTime(
        step.label,
        w.from(),
        w.to(),
        points,
        Summary.of(series.summary()),
        series.releases().stream()
            .map(r -> new ReleaseMarker(r.version(), r.deployedAt()))
            .toList());
  }

  private static Double avg(DurationStats s) {
    return io.upbeat.metrics.Statistic.AVG.of(s);
  }

  /** p50, p90, p95, p99 in one pass; nulls when there is no data. */
  private static Double[] chartQuantiles(DurationStats s) {
    Double[] out = new Double[4];
    if (s.count() > 0) {
      double[] q = s.sketch().quantiles(0.5, 0.9, 0.95, 0.99);
      for (int i = 0; i < q.length; i++) {
        out[i] = q[i];
      }
    }
    return out;
  }

  private MinuteWindow window(String from, String to, Problems problems) {
    return MinuteWindow.parse(from, to, problems, clock.instant(), DEFAULT_WINDOW, MAX_WINDOW);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
