package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where a partition starts on assignment: partitions whose stored offsets cannot be read are
 * retried until they can (not left paused until the next rebalance), and a stored offset that
 * Kafka's retention has passed is reported and skipped to the log start.
 */
class ITAssignment {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
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
  void partitionsWhoseOffsetsCannotBeReadAreRetriedUntilTheyCan() throws Exception {
    ITMetricsPipeline.Switchable flaky = new ITMetricsPipeline.Switchable(f.db);
    flaky.down = true;
    produce(0, 3);
    produce(1, 3);
    PipelineFixture.Running run = f.errors("processor-errors", f.producer(), flaky);
    // Assigned while PostgreSQL is down (its offsets asked for and refused): nothing starts...
    await().atMost(Duration.ofSeconds(30)).until(() -> flaky.refused.get() > 0);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> stored() == 0 && run.pipeline().assignedPartitions() == 0);
    // ...and once it is back, the same assignment goes on, with no rebalance.
    flaky.down = false;
    await().atMost(Duration.ofSeconds(40)).until(() -> stored() == 6);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> f.storedOffsets("errors").equals(f.endOffsets()));
    run.stop();
  }

  @Test
  void partitionsAssignedAfterAFailedFlushAreResumedOnceNothingIsLeftToRetry() throws Exception {
    ITMetricsPipeline.Switchable flaky = new ITMetricsPipeline.Switchable(f.db);
    PipelineFixture.Running first = f.errors("processor-errors", f.producer(), flaky);
    await().atMost(Duration.ofSeconds(30)).until(() -> first.pipeline().assignedPartitions() == 2);
    flaky.down = true;
    produce(0, 2);
    produce(1, 2);
    // Its flush fails: consumption pauses, backing off...
    await().atMost(Duration.ofSeconds(10)).until(() -> flaky.refused.get() > 0);
    // ...and a second processor joins while PostgreSQL is still down: the failed work is revoked
    // (its flush fails again), and what the first is assigned again has nothing to retry.
    PipelineFixture.Running second = f.errors("processor-errors", f.producer());
    await().atMost(Duration.ofSeconds(30)).until(() -> second.pipeline().assignedPartitions() == 1);
    flaky.down = false;
    produce(0, 2);
    produce(1, 2);
    // Neither processor's partition stays paused.
    await().atMost(Duration.ofSeconds(30)).until(() -> stored() == 8);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> f.storedOffsets("errors").equals(f.endOffsets()));
    second.stop();
    first.stop();
  }

  @Test
  void aStoredOffsetBelowTheLogStartIsReportedAndSkipped() throws Exception {
    produce(0, 4);
    PipelineFixture.Running first = f.errors("processor-errors", f.producer());
    await().atMost(Duration.ofSeconds(30)).until(() -> stored() == 4);
    first.stop();

    produce(0, 6); // offsets 4 to 9, then retention deletes up to 7 before they are processed
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", f.s.bootstrapServers()))) {
      admin
          .deleteRecords(Map.of(new TopicPartition(f.topic, 0), RecordsToDelete.beforeOffset(7)))
          .all()
          .get();
    }
    PipelineFixture.Running second = f.errors("processor-errors", f.producer());
    await().atMost(Duration.ofSeconds(30)).until(() -> stored() == 4 + 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.storedOffsets("errors").get(0) == 10L);
    assertThat(second.count("upbeat.processor.records.expired", "pipeline", "errors")).isEqualTo(3);
    second.stop();
    assertThat(stored()).isEqualTo(7);
  }

  @Test
  void anExpiredSkipIsCountedOnceWhenThePartitionIsAssignedAgainBeforeItIsCommitted()
      throws Exception {
    produce(0, 4);
    PipelineFixture.Running first = f.errors("processor-errors", f.producer());
    await().atMost(Duration.ofSeconds(30)).until(() -> stored() == 4);
    first.stop();
    produce(0, 6); // offsets 4 to 9; retention deletes up to 7
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", f.s.bootstrapServers()))) {
      admin
          .deleteRecords(Map.of(new TopicPartition(f.topic, 0), RecordsToDelete.beforeOffset(7)))
          .all()
          .get();
    }
    // Offsets can be read, commits fail: the skip is seen, not committed.
    CommitsFail db = new CommitsFail(f.db);
    db.failing = true;
    PipelineFixture.Running second = f.errors("processor-errors", f.producer(), db);
    await().atMost(Duration.ofSeconds(30)).until(() -> db.refused.get() > 0);
    assertThat(second.count("upbeat.processor.records.expired", "pipeline", "errors")).isEqualTo(3);
    // Another processor moves the offset meanwhile (still below the log start): this one is
    // fenced, and starts the partition again from the stored offset.
    f.execute(
        "UPDATE processor_offsets SET next_offset = 5 WHERE pipeline = 'errors'"
            + " AND partition = 0");
    db.failing = false;
    await().atMost(Duration.ofSeconds(30)).until(() -> f.storedOffsets("errors").get(0) == 10L);
    assertThat(stored()).isEqualTo(7);
    assertThat(second.count("upbeat.processor.records.expired", "pipeline", "errors")).isEqualTo(3);
    second.stop();
  }

  /** A database whose transactions cannot start while {@code failing} (reads still work). */
  static final class CommitsFail extends org.springframework.jdbc.datasource.DelegatingDataSource {
    volatile boolean failing;
    final java.util.concurrent.atomic.AtomicInteger refused =
        new java.util.concurrent.atomic.AtomicInteger();

    CommitsFail(javax.sql.DataSource target) {
      super(target);
    }

    @Override
    public java.sql.Connection getConnection() throws java.sql.SQLException {
      java.sql.Connection c = super.getConnection();
      return (java.sql.Connection)
          java.lang.reflect.Proxy.newProxyInstance(
              java.sql.Connection.class.getClassLoader(),
              new Class<?>[] {java.sql.Connection.class},
              (proxy, method, args) -> {
                if (failing
                    && method.getName().equals("setAutoCommit")
                    && Boolean.FALSE.equals(args[0])) {
                  refused.incrementAndGet();
                  throw new java.sql.SQLException("connection lost (test)", "08006");
                }
                try {
                  return method.invoke(c, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }
  }

  private void produce(int partition, int records) throws Exception {
    for (int i = 0; i < records; i++) {
      f.send(partition, batch(app, List.of(), List.of(error("com.shop.E", "e " + i, null))));
    }
  }

  private long stored() throws Exception {
    return f.value("SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '" + app + "'");
  }
}
