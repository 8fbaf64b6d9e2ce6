package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.error;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Events still in the topic for a deleted app (in {@code deleted_apps}) are dropped by every
 * pipeline, counted, and never stored, while another app's events in the same polls and flushes are
 * stored exactly once; the offsets still move past the dropped records.
 */
class ITDeletedAppEvents {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID deleted = UUID.randomUUID();
  private final UUID live = UUID.randomUUID();
  private PipelineFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", 2);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void dropsADeletedAppsEventsAndStoresTheOtherAppsOfTheSameBatch() throws Exception {
    f.execute(
        "INSERT INTO deleted_apps (app_id, org_id, deleted_at) VALUES ('"
            + deleted
            + "', gen_random_uuid(), now())");
    DeletedApps deletedApps = new DeletedApps(f.db);
    deletedApps.refresh();
    assertThat(deletedApps.contains(deleted)).isTrue();

    // Interleaved on one partition: the two apps' records arrive in the same polls and flushes.
    for (int i = 0; i < 6; i++) {
      for (UUID app : List.of(deleted, live)) {
        f.send(
            0,
            batch(
                app,
                List.of(txn("GET /a", 10), txn("GET /b", 20)),
                List.of(error("com.shop.Boom", "boom " + i, "GET /a"))));
      }
    }
    PipelineFixture.Running metrics = f.metrics("processor-metrics", deletedApps);
    PipelineFixture.Running errors = f.errors("processor-errors", deletedApps);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                f.storedOffsets("metrics").equals(f.endOffsets())
                    && f.storedOffsets("errors").equals(f.endOffsets()));
    metrics.stop();
    errors.stop();

    assertThat(count("txn_metrics_1m", live)).isEqualTo(12 * 2); // 12 txns, plus app-wide rows
    assertThat(count("txn_metrics_1m", deleted)).isZero();
    assertThat(rows("txn_metrics_1m", deleted)).isZero();
    assertThat(
            f.value(
                "SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '" + live + "'"))
        .isEqualTo(6);
    assertThat(rows("error_groups", deleted)).isZero();
    assertThat(f.value("SELECT count(*) FROM notifications WHERE app_id = '" + deleted + "'"))
        .isZero();
    for (PipelineFixture.Running run : List.of(metrics, errors)) {
      String pipeline = run.pipeline().name();
      assertThat(
              run.count(
                  "upbeat.processor.records.dropped",
                  "pipeline",
                  pipeline,
                  "reason",
                  "app_deleted"))
          .isEqualTo(6);
      assertThat(run.count("upbeat.processor.records", "pipeline", pipeline)).isEqualTo(12);
    }
    assertThat(f.deadLetters()).isEmpty();
  }

  @Test
  void anAppDeletedWhileThePipelineRunsIsDroppedFromTheNextRefreshOn() throws Exception {
    DeletedApps deletedApps = new DeletedApps(f.db);
    deletedApps.refresh();
    PipelineFixture.Running metrics = f.metrics("processor-metrics", deletedApps);
    await().atMost(Duration.ofSeconds(30)).until(metrics::assigned);

    f.send(0, batch(deleted, List.of(txn("GET /a", 10)), List.of()));
    f.send(1, batch(live, List.of(txn("GET /a", 10)), List.of()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("metrics").equals(f.endOffsets()));
    assertThat(count("txn_metrics_1m", deleted)).isEqualTo(2);

    // Deleted (api-service writes the tombstone), then refreshed: later events are not stored.
    f.execute(
        "INSERT INTO deleted_apps (app_id, org_id, deleted_at) VALUES ('"
            + deleted
            + "', gen_random_uuid(), now())");
    deletedApps.refresh();
    for (int p = 0; p < 2; p++) {
      f.send(p, batch(deleted, List.of(txn("GET /a", 10), txn("GET /c", 5)), List.of()));
      f.send(p, batch(live, List.of(txn("GET /a", 10)), List.of()));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("metrics").equals(f.endOffsets()));
    metrics.stop();

    assertThat(count("txn_metrics_1m", deleted)).isEqualTo(2); // what the purge's sweep removes
    assertThat(count("txn_metrics_1m", live)).isEqualTo(3 * 2);
    assertThat(
            metrics.count(
                "upbeat.processor.records.dropped", "pipeline", "metrics", "reason", "app_deleted"))
        .isEqualTo(2);
  }

  private long count(String table, UUID app) throws Exception {
    return f.value(
        "SELECT coalesce(sum(count), 0) FROM " + table + " WHERE app_id = '" + app + "'");
  }

  private long rows(String table, UUID app) throws Exception {
    return f.value("SELECT count(*) FROM " + table + " WHERE app_id = '" + app + "'");
  }
}
