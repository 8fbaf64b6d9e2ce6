package io.upbeat.api.servicemap;

import io.upbeat.api.params.Times;
import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reads the two sources of the service map: the exact per-minute counts of each app's calls to each
 * destination ({@code destination_metrics_1m}, through its {@code (app_id, bucket)} index), and the
 * kept traces ({@code txn_samples}) that tell which app a destination is.
 */
@Component
class ServiceMapStore {
  /**
   * The most recent child transactions (kept samples with a parent) the resolution reads: enough
   * for a day of a busy org's kept traces, few enough to answer within a second.
   */
  static final int MAX_CHILDREN = 20_000;

  static final String DESTINATIONS =
      """
      SELECT app_id, destination, count, sum_ms, min_ms, max_ms, failures, sketch
      FROM destination_metrics_1m
      WHERE app_id IN (:apps) AND bucket >= :from AND bucket < :to
      """;

  static final String IN_ENVIRONMENT = " AND environment = :environment";

  /**
   * Each kept child transaction of the org's apps (the newest {@code :limit} since {@code :since})
   * joined to the sample of another of the org's apps, in the same trace, that holds its parent
   * span; that span's destination (null when it named none) is what the child's app is called
   * there. The parent is looked up through the trace index, within a day of the child, so each
   * lookup reads only that trace's samples (no ORDER BY there: one would steer the planner to the
   * time index). A span id names one span, so its first sample is its only one. Grouped, so few
   * rows cross the wire.
   */
  static final String EVIDENCE =
      """
      WITH children AS (
        SELECT c.app_id, c.trace_id, c.parent_id, c.started_at, c.outcome,
               c.started_at >= :from AS in_window
        FROM txn_samples c
        WHERE c.app_id IN (:apps) AND c.trace_id IS NOT NULL AND c.parent_id IS NOT NULL
          AND c.started_at >= :since AND c.started_at < :to
        ORDER BY c.started_at DESC
        LIMIT :limit
      )
      SELECT p.app_id AS caller, p.environment, p.destination, ch.app_id AS callee,
             ch.in_window, count(*) AS children,
             count(*) FILTER (WHERE ch.outcome = 'failure') AS failures
      FROM children ch
      CROSS JOIN LATERAL (
        SELECT s.app_id, s.environment,
               (SELECT e ->> 'destination' FROM jsonb_array_elements(s.spans) e
                WHERE e ->> 'id' = ch.parent_id LIMIT 1) AS destination
        FROM txn_samples s
        WHERE s.trace_id = ch.trace_id AND s.app_id IN (:apps) AND s.app_id <> ch.app_id
          AND s.started_at >= ch.started_at - interval '1 day'
          AND s.started_at <= ch.started_at + interval '1 day'
          AND jsonb_typeof(s.spans) = 'array'
          AND s.spans @> jsonb_build_array(jsonb_build_object('id', ch.parent_id))
        LIMIT 1
      ) p
      GROUP BY p.app_id, p.environment, p.destination, ch.app_id, ch.in_window
      """;

  private final JdbcClient jdbc;

  ServiceMapStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The calls of one app to one destination, as its agent named the destination. */
  record Call(UUID app, String destination) {}

  /**
   * Every app's calls to each destination over [{@code from}, {@code to}), merged exactly over the
   * window's minute rows (and the rows of every processor partition): counts and sums add up, the
   * sketches merge as the metrics API merges them.
   *
   * @param environment the callers' environment, null for all
   */
  Map<Call, DurationStats> calls(
      Collection<UUID> apps, Instant from, Instant to, String environment) {
    Map<Call, DurationStats> calls = new HashMap<>();
    if (apps.isEmpty()) {
      return calls;
    }
    JdbcClient.StatementSpec sql =
        jdbc.sql(environment == null ? DESTINATIONS : DESTINATIONS + IN_ENVIRONMENT)
            .param("apps", apps)
            .param("from", Times.bind(from))
            .param("to", Times.bind(to));
    if (environment != null) {
      sql = sql.param("environment", environment);
    }
    sql.query(
        rs -> {
          calls
              .computeIfAbsent(
                  new Call(rs.getObject(1, UUID.class), rs.getString(2)), k -> new DurationStats())
              .mergeStored(
                  rs.getLong(3),
                  rs.getDouble(4),
                  rs.getDouble(5),
                  rs.getDouble(6),
                  rs.getLong(7),
                  rs.getBytes(8));
        });
    return calls;
  }

  /**
   * What the kept traces say: {@code children} transactions of {@code callee} were called from a
   * span of {@code caller} (in the caller's {@code environment}) that named {@code destination}
   * (null when the span named none).
   *
   * @param inWindow whether the children started within the map's window (the others are older
   *     evidence, read to resolve destinations only)
   */
  record Evidence(
      UUID caller,
      String environment,
      String destination,
      UUID callee,
      boolean inWindow,
      long children,
      long failures) {}

  /**
   * The evidence of the newest {@link #MAX_CHILDREN} child transactions of the org's apps that
   * started in [{@code since}, {@code to}); {@code from} (not before {@code since}) splits the
   * window's from the older ones.
   */
  List<Evidence> evidence(Collection<UUID> apps, Instant since, Instant from, Instant to) {
    if (apps.isEmpty()) {
      return new ArrayList<>();
    }
    return jdbc.sql(EVIDENCE)
        .param("apps", apps)
        .param("since", Times.bind(since))
        .param("from", Times.bind(from))
        .param("to", Times.bind(to))
        .param("limit", MAX_CHILDREN)
        .query(
            (rs, n) ->
                new Evidence(
                    rs.getObject("caller", UUID.class),
                    rs.getString("environment"),
                    rs.getString("destination"),
                    rs.getObject("callee", UUID.class),
                    rs.getBoolean("in_window"),
                    rs.getLong("children"),
                    rs.getLong("failures")))
        .list();
  }
}
