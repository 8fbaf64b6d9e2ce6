package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import io.upbeat.processor.ops.ProcessorLag;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lag gauge reads the log end minus the offset the pipeline stored in PostgreSQL, not what its
 * consumer fetched: records read but not committed (PostgreSQL failing, the pipeline stopped) are
 * lag; an idle pipeline behind intake's transactions (commit markers) is not.
 */
class ITProcessorLag {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private PipelineFixture f;
  private Admin admin;
  private SimpleMeterRegistry meters;
  private ProcessorLag lag;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", 2);
    admin = Admin.create(Map.of("bootstrap.servers", f.s.bootstrapServers()));
    meters = new SimpleMeterRegistry();
    lag =
        new ProcessorLag(admin, f.db, f.topic, f.deadLetterTopic, List.of("metrics"), 5000, meters);
  }

  @AfterEach
  void tearDown() {
    admin.close();
    f.close();
  }

  @Test
  void lagIsTheLogEndMinusTheOffsetStoredInPostgres() throws Exception {
    send(0, 3);
    send(1, 1);
    lag.refresh();
    // Nothing stored yet: everything from the log start is behind.
    assertThat(gauge(0)).isEqualTo(3);
    assertThat(gauge(1)).isEqualTo(1);

    PipelineFixture.Running running = f.metrics("lag-" + UUID.randomUUID());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("metrics").equals(f.endOffsets()));
    // Intake writes in transactions: their commit markers are skipped, not lag.
    try (KafkaProducer<byte[], byte[]> tx = transactional()) {
      tx.beginTransaction();
      tx.send(record(0)).get();
      tx.send(record(0)).get();
      tx.commitTransaction();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              lag.refresh();
              assertThat(gauge(0)).isZero();
              assertThat(gauge(1)).isZero();
            });

    running.stop();
    send(1, 4);
    lag.refresh();
    assertThat(gauge(0)).isZero();
    assertThat(gauge(1)).isEqualTo(4);
    assertThat(gauge(1)).isEqualTo(f.endOffsets().get(1) - f.storedOffsets("metrics").get(1));
  }

  @Test
  void recordsReadButNotStoredAreLagAndTheirPartitionsArePaused() throws Exception {
    AtomicBoolean failing = new AtomicBoolean(true);
    Effects<MetricsWork> metrics = new MetricsStore(f.db, 7);
    Effects<MetricsWork> transientlyFailing =
        new Effects<>() {
          @Override
          public int write(Connection c, List<WorkStore.Flush<MetricsWork>> flushes)
              throws SQLException {
            if (failing.get()) {
              throw new SQLException("connection lost (test)", "08006");
            }
            return metrics.write(c, flushes);
          }

          @Override
          public void prepare(java.time.LocalDate today) throws SQLException {
            metrics.prepare(today);
          }
        };
    PipelineFixture.Running running =
        f.start(
            "metrics",
            EventBatchCodec.Parts.TRANSACTION_TIMINGS,
            "lag-" + UUID.randomUUID(),
            f.producer(),
            new LedgerStore<>(new OffsetLedger(f.db, "metrics"), transientlyFailing),
            m -> MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, m));
    await().atMost(Duration.ofSeconds(30)).until(running::assigned);
    send(0, 5);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> paused(running) == 2); // a failing flush pauses every assigned partition
    lag.refresh();
    assertThat(gauge(0)).isEqualTo(5).isEqualTo(f.endOffsets().get(0) - stored(0));
    assertThat(running.meters().get("upbeat.processor.partitions.unresolved").gauge().value())
        .isZero();

    failing.set(false);
    await().atMost(Duration.ofSeconds(60)).until(() -> paused(running) == 0);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              lag.refresh();
              assertThat(gauge(0)).isZero();
            });
    running.stop();
  }

  @Test
  void countsTheRecordsInTheDeadLetterTopic() throws Exception {
    lag.refresh();
    assertThat(meters.get("upbeat.processor.deadletter.records").gauge().value()).isZero();
    try (KafkaProducer<byte[], byte[]> p = f.producer()) {
      for (int i = 0; i < 3; i++) {
        p.send(new ProducerRecord<>(f.deadLetterTopic, 0, null, new byte[] {1})).get();
      }
    }
    lag.refresh();
    assertThat(meters.get("upbeat.processor.deadletter.records").gauge().value()).isEqualTo(3);
  }

  private double paused(PipelineFixture.Running running) {
    return running
        .meters()
        .get("upbeat.processor.partitions.paused")
        .tag("pipeline", "metrics")
        .gauge()
        .value();
  }

  private long stored(int partition) throws Exception {
    return f.storedOffsets("metrics").getOrDefault(partition, 0L);
  }

  private long gauge(int partition) {
    double value =
        meters
            .get("upbeat.processor.lag")
            .tag("pipeline", "metrics")
            .tag("partition", String.valueOf(partition))
            .gauge()
            .value();
    assertThat(lag.lag("metrics", partition)).isEqualTo((long) value);
    return (long) value;
  }

  private void send(int partition, int records) throws Exception {
    for (int i = 0; i < records; i++) {
      f.send(partition, batch(app, List.of(txn("GET /lag", 5)), List.of()));
    }
  }

  private ProducerRecord<byte[], byte[]> record(int partition) {
    var b = batch(app, List.of(txn("GET /lag", 5)), List.of());
    ProducerRecord<byte[], byte[]> r =
        new ProducerRecord<>(f.topic, partition, null, EventBatchCodec.encode(b));
    r.headers().add(EventBatchCodec.PARTS_HEADER, EventBatchCodec.partsHeader(b));
    return r;
  }

  private KafkaProducer<byte[], byte[]> transactional() {
    KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            Map.of(
                "bootstrap.servers",
                f.s.bootstrapServers(),
                "transactional.id",
                "lag-test-" + UUID.randomUUID()),
            new ByteArraySerializer(),
            new ByteArraySerializer());
    p.initTransactions();
    return p;
  }
}
