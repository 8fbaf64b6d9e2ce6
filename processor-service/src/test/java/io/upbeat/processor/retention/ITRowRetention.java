package io.upbeat.processor.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.storage.Schema;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Rows past their retention go from every table that grows without time partitions, in bounded
 * batches, oldest first; younger rows stay; processors running it at once share the rows.
 */
class ITRowRetention {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final List<String> TABLES =
      List.of(
          "error_hourly",
          "notification_deliveries",
          "notifications",
          "alert_events",
          "destination_metrics_1m",
          "tail_traces");

  /** Rows per table past the 90 days (and within them) in the fixture. */
  private static final int OLD = 12;

  private static final int YOUNG = 4;

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
  private DataSource db;
  private JdbcTemplate jdbc;

  @BeforeEach
  void fill() {
    db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    jdbc = new JdbcTemplate(db);
    UUID org = UUID.randomUUID();
    UUID app = UUID.randomUUID();
    UUID group = UUID.randomUUID();
    UUID rule = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO orgs (id, slug, name) VALUES (?, ?, 'Shop')",
        org,
        "shop-" + org.toString().substring(0, 8));
    jdbc.update("INSERT INTO apps (id, org_id, name) VALUES (?, ?, 'web')", app, org);
    jdbc.update(
        "INSERT INTO error_groups (id, app_id, fingerprint, type, count, first_seen, last_seen)"
            + " VALUES (?, ?, repeat('a', 64), 'E', 1, now(), now())",
        group,
        app);
    jdbc.update(
        "INSERT INTO alert_rules (id, app_id, name, kind, threshold, window_minutes)"
            + " VALUES (?, ?, 'errors', 'error_count', 5, 10)",
        rule,
        app);
    for (int i = 0; i < OLD + YOUNG; i++) {
      // The old ones from 91 days back (older and older), the young ones from 89 days back.
      Instant at =
          i < OLD
              ? now.minus(Duration.ofDays(91)).minus(Duration.ofHours(i))
              : now.minus(Duration.ofDays(89)).plus(Duration.ofHours(i));
      Timestamp t = Timestamp.from(at);
      jdbc.update("INSERT INTO error_hourly (group_id, hour, count) VALUES (?, ?, 1)", group, t);
      UUID notification = UUID.randomUUID();
      jdbc.update(
          "INSERT INTO notifications (id, app_id, group_id, kind, payload, created_at,"
              + " dispatched_at) VALUES (?, ?, ?, 'new_error', '{}'::jsonb, ?, ?)",
          notification,
          app,
          group,
          t,
          t);
      jdbc.update(
          "INSERT INTO notification_deliveries (notification_id, channel, status, created_at)"
              + " VALUES (?, 'email:a@example.com', 'delivered', ?)",
          notification,
          t);
      jdbc.update(
          "INSERT INTO alert_events (id, rule_id, app_id, state, at, notified)"
              + " VALUES (?, ?, ?, 'firing', ?, false)",
          UUID.randomUUID(),
          rule,
          app,
          t);
      jdbc.update(
          "INSERT INTO destination_metrics_1m (app_id, environment, destination, bucket,"
              + " source_partition, count, failures, sum_ms, min_ms, max_ms, sketch)"
              + " VALUES (?, 'production', 'inventory:8080', ?, 0, 1, 0, 1, 1, 1, '\\x00')",
          app,
          t);
      // Traces of the tail decision are kept an hour: the old ones from 61 minutes back.
      Instant decided =
          i < OLD
              ? now.minus(Duration.ofMinutes(61 + i))
              : now.minus(Duration.ofMinutes(59)).plus(Duration.ofMinutes(i - OLD));
      jdbc.update(
          "INSERT INTO tail_traces (trace_id, app_id, reason, decided_at)"
              + " VALUES (?, ?, 'error', ?)",
          "trace-" + i,
          app,
          Timestamp.from(decided));
    }
  }

  @Test
  void deletesWhatExpiredInBoundedBatchesOldestFirstAndKeepsTheRest() throws Exception {
    // Batches of 5, at most 2 per table and run: 10 of the 12 expired rows, the oldest.
    RowRetention retention = retention(5, 2);
    assertThat(retention.run(now))
        .isEqualTo(
            Map.of(
                "error_hourly",
                10L,
                "notification_deliveries",
                10L,
                "notifications",
                10L,
                "alert_events",
                10L,
                "destination_metrics_1m",
                10L,
                "tail_traces",
                10L));
    assertThat(
            jdbc.queryForObject(
                "SELECT max(hour) FROM error_hourly WHERE hour < ?",
                Timestamp.class,
                Timestamp.from(now.minus(Duration.ofDays(90)))))
        .isEqualTo(Timestamp.from(now.minus(Duration.ofDays(91))));
    // The next run deletes the rest of what expired, and nothing younger.
    assertThat(retention.run(now).values()).containsOnly(2L);
    assertThat(retention.run(now).values()).containsOnly(0L);
    for (String table : TABLES) {
      assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class))
          .as(table)
          .isEqualTo(YOUNG);
    }
  }

  @Test
  void processorsRunningItAtOnceShareTheRowsWithoutWaiting() throws Exception {
    RowRetention a = retention(2, 100);
    RowRetention b = retention(2, 100);
    CyclicBarrier start = new CyclicBarrier(2);
    List<Map<String, Long>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      List<Future<Map<String, Long>>> runs = new ArrayList<>();
      for (RowRetention r : List.of(a, b)) {
        runs.add(
            pool.submit(
                () -> {
                  start.await();
                  return r.run(now);
                }));
      }
      for (Future<Map<String, Long>> f : runs) {
        results.add(f.get());
      }
    }
    for (String table : TABLES) {
      assertThat(results.get(0).get(table) + results.get(1).get(table))
          .as(table + ": every expired row deleted once")
          .isEqualTo(OLD);
      assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class))
          .as(table)
          .isEqualTo(YOUNG);
    }
  }

  private RowRetention retention(int batchSize, int maxBatches) {
    Duration days90 = Duration.ofDays(90);
    return new RowRetention(
        db, new RowRetention.Settings(days90, days90, days90, days90, batchSize, maxBatches));
  }
}
