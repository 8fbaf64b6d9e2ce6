package io.upbeat.api.metrics;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.params.Problems;
import io.upbeat.api.security.CurrentUser;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Sampled transactions with their spans: the examples behind a transaction's metrics (agents send a
 * few per name and minute in full; the processor keeps a bounded number).
 */
@RestController
@RequestMapping(path = "/api/v1/apps/{appId}", produces = MediaType.APPLICATION_JSON_VALUE)
class SamplesController {
  static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

  private final AccessControl access;
  private final JdbcClient jdbc;
  private final Clock clock;

  SamplesController(AccessControl access, JdbcClient jdbc, Clock clock) {
    this.access = access;
    this.jdbc = jdbc;
    this.clock = clock;
  }

  record Sample(
      String transactionId,
      String traceId,
      String name,
      String type,
      String environment,
      Instant timestamp,
      double durationMs,
      String result,
      String outcome,
      String serviceVersion,
      @JsonRawValue String spans,
      @JsonRawValue String context) {}

  record Samples(Instant from, Instant to, List<Sample> items) {}

  /**
   * The newest (or slowest) sampled transactions in the window, optionally of one name, type or
   * environment.
   */
  @GetMapping("/transactions/samples")
  Samples samples(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String name,
      @RequestParam(required = false) String type,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String sort,
      @RequestParam(required = false) String limit) {
    AppAccess app = access.app(user, appId);
    Problems problems = new Problems();
    String txnName = problems.text("name", name, 1024);
    String txnType = problems.text("type", type, 64);
    String env = problems.text("environment", environment, 100);
    Instant end = problems.timestamp("to", to);
    Instant start = problems.timestamp("from", from);
    int max = problems.integer("limit", limit, 1, 100, 20);
    if (sort != null && !sort.equals("recent") && !sort.equals("slowest")) {
      problems.add("sort", "must be recent or slowest");
    }
    Instant windowEnd = end != null ? end : clock.instant();
    Instant windowStart = start != null ? start : windowEnd.minus(DEFAULT_WINDOW);
    if (!windowStart.isBefore(windowEnd)) {
      problems.add("from", "must be before to");
    }
    problems.throwIfAny();
    String order = "slowest".equals(sort) ? "duration_ms DESC" : "started_at DESC";
    List<Sample> items =
        jdbc.sql(
                """
                SELECT transaction_id, trace_id, txn_name, txn_type, environment, started_at,
                       duration_ms, result, outcome, service_version, spans::text, context::text
                FROM txn_samples
                WHERE app_id = :app AND started_at >= :from AND started_at < :to
                  AND (CAST(:name AS text) IS NULL OR txn_name = :name)
                  AND (CAST(:type AS text) IS NULL OR txn_type = :type)
                  AND (CAST(:env AS text) IS NULL OR environment = :env)
                ORDER BY %s, sample_id
                LIMIT :limit
                """
                    .formatted(order))
            .param("app", app.id())
            .param("from", Timestamp.from(windowStart))
            .param("to", Timestamp.from(windowEnd))
            .param("name", txnName)
            .param("type", txnType)
            .param("env", env)
            .param("limit", max)
            .query(SamplesController::sample)
            .list();
    return new Samples(windowStart, windowEnd, items);
  }

  private static Sample sample(ResultSet rs, int row) throws SQLException {
    return new Sample(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getTimestamp(6).toInstant(),
        rs.getDouble(7),
        rs.getString(8),
        rs.getString(9),
        rs.getString(10),
        rs.getString(11),
        rs.getString(12));
  }
}
