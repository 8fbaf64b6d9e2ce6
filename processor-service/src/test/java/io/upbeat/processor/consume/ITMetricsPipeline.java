package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.DestinationMetric;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestStack;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import io.upbeat.storage.Schema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metrics pipeline on the real embedded Kafka and PostgreSQL: counts and sums come out exact
 * across restarts, across a run whose work was lost before it was committed (as in a crash, or
 * PostgreSQL down), and across partitions; offsets end where the topic ends. Every batch also
 * carries a destination metric, so the service map's rows are held to the same exactness.
 */
class ITMetricsPipeline {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final int PARTITIONS = 3;
  private final UUID app = UUID.randomUUID();
  private final Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(120);
  private TestStack s;
  private String topic;
  private DataSource db;
  private long expectedCount;
  private double expectedSum;
  private long expectedCalls;
  private long expectedCallFailures;

  @BeforeEach
  void setUp() throws Exception {
    s = stack.stack();
    topic = s.topic("upbeat.events");
    db = s.dataSource();
    Schema.flyway(db).migrate();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, PARTITIONS, (short) 1),
                  new NewTopic(deadLetterTopic(), 1, (short) 1)))
          .all()
          .get();
    }
  }

  private String deadLetterTopic() {
    return s.topic("upbeat.events.dlq");
  }

  @Test
  void sendsUndecodableRecordsToTheDeadLetterTopicWithoutBlocking() throws Exception {
    produce(3);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, 0, null, "{\"v\":99}".getBytes())).get();
    }
    produce(3);
    Running run = start(db);
    awaitTotals();
    run.stop();

    try (KafkaConsumer<byte[], byte[]> dlq = consumer("dlq-reader")) {
      dlq.subscribe(List.of(deadLetterTopic()));
      List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> dead =
          new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                dlq.poll(Duration.ofMillis(200)).forEach(dead::add);
                return !dead.isEmpty();
              });
      assertThat(new String(dead.getFirst().value())).isEqualTo("{\"v\":99}");
      assertThat(new String(dead.getFirst().headers().lastHeader("upbeat-reason").value()))
          .contains("version");
      assertThat(new String(dead.getFirst().headers().lastHeader("upbeat-source").value()))
          .isEqualTo(topic + "-0@1");
    }
    assertThat(storedOffsets()).isEqualTo(endOffsets());
    // Its own metrics: every record read (7), one dead-lettered, rows written.
    assertThat(run.meters().counter("upbeat.processor.records", "pipeline", "metrics").count())
        .isEqualTo(7);
    assertThat(
            run.meters()
                .counter(
                    "upbeat.processor.records.deadlettered",
                    "pipeline",
                    "metrics",
                    "reason",
                    "undecodable")
                .count())
        .isEqualTo(1);
    assertThat(run.meters().counter("upbeat.processor.rows.written", "pipeline", "metrics").count())
        .isPositive();
  }

  @Test
  void countsEveryTransactionExactlyOnceAcrossRestartsAndLostWork() throws Exception {
    produce(30);
    Running first = start(db);
    awaitTotals();
    first.stop();

    // A run that reads records, then loses PostgreSQL, so none of its flushes commit, and then
    // dies: its work is lost, as in a crash.
    Switchable flaky = new Switchable(db);
    Running doomed = start(flaky);
    await().atMost(Duration.ofSeconds(30)).until(doomed::assigned);
    flaky.down = true;
    produce(20);
    await().atMost(Duration.ofSeconds(30)).until(doomed::pipelineHasRun);
    doomed.stop();

    produce(25);
    Running second = start(db);
    awaitTotals();
    second.stop();

    assertThat(storedOffsets()).isEqualTo(endOffsets());
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(DISTINCT source_partition), min(min_ms), max(max_ms)"
                    + " FROM txn_metrics_1m WHERE app_id = '"
                    + app
                    + "'")) {
      rs.next();
      // One row per key and commit, under the commit's lowest partition (ITWriterRows).
      assertThat(rs.getInt(1)).isBetween(1, PARTITIONS);
      assertThat(rs.getDouble(2)).isEqualTo(1.0);
    }
  }

  @Test
  void agentAggregatesMergeExactlyWithPlainTransactionsAndKeepTheQuantileBound() throws Exception {
    produce(6);
    List<Double> all = new ArrayList<>();
    for (int b = 0; b < 6; b++) {
      for (int i = 1; i <= 10; i++) {
        all.add((double) i);
      }
    }
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int b = 0; b < 6; b++) {
        io.upbeat.metrics.LatencySketch sketch = io.upbeat.metrics.LatencySketch.empty();
        long count = 0;
        double sum = 0;
        for (int i = 0; i < 500; i++) {
          double d = 1 + (i * 7 + b) % 400; // 1..400 ms, whole numbers: sums stay exact
          sketch.add(d);
          all.add(d);
          count++;
          sum += d;
        }
        expectedCount += count;
        expectedSum += sum;
        EventBatch batch =
            new EventBatch(
                UUID.randomUUID(),
                app,
                Instant.now(),
                new ServiceInfo("shop", null, null, null, null, null, null),
                List.of(),
                List.of(),
                List.of(),
                List.of(
                    new io.upbeat.events.TransactionMetric(
                        "GET /t1", "request", minute, count, 3, sum, 1, 400, sketch.toBytes())));
        producer
            .send(new ProducerRecord<>(topic, b % PARTITIONS, null, EventBatchCodec.encode(batch)))
            .get();
      }
    }
    Running run = start(db);
    awaitTotals();
    run.stop();
    assertThat(run.meters().counter("upbeat.processor.transactions").count())
        .isEqualTo(expectedCount);

    // The app-wide rows of the minute, merged as the API merges them: p95 within 1% of exact.
    io.upbeat.metrics.DurationStats merged = new io.upbeat.metrics.DurationStats();
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count, sum_ms, min_ms, max_ms, failures, sketch FROM txn_metrics_1m"
                    + " WHERE txn_name = '' AND app_id = '"
                    + app
                    + "'")) {
      while (rs.next()) {
        merged.mergeStored(
            rs.getLong(1),
            rs.getDouble(2),
            rs.getDouble(3),
            rs.getDouble(4),
            rs.getLong(5),
            rs.getBytes(6));
      }
    }
    all.sort(null);
    assertThat(merged.failures()).isEqualTo(18);
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      double exact = all.get((int) Math.ceil(q * all.size()) - 1);
      assertThat(merged.sketch().quantile(q))
          .isCloseTo(exact, org.assertj.core.data.Percentage.withPercentage(1));
    }
  }

  /**
   * Destination metrics from every partition, read from the timings header as intake writes it,
   * merge per destination and environment: exact counts and failures, p95 within 1 %.
   */
  @Test
  void destinationMetricsMergeExactlyPerDestinationWithTheQuantileBound() throws Exception {
    List<Double> inventory = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int b = 0; b < 9; b++) {
        String environment = b == 8 ? "staging" : null;
        EventBatch batch =
            new EventBatch(
                    UUID.randomUUID(),
                    app,
                    Instant.now(),
                    new ServiceInfo("shop", environment, null, null, null, null, null),
                    List.of(),
                    List.of())
                .withDestinationMetrics(
                    List.of(
                        calls("inventory:8080", 100 + b, b == 8 ? new ArrayList<>() : inventory),
                        calls("postgresql", 5, new ArrayList<>())));
        EventBatchCodec.Encoded encoded = EventBatchCodec.encodeRecord(batch);
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(topic, b % PARTITIONS, null, encoded.value());
        record.headers().add(EventBatchCodec.PARTS_HEADER, encoded.parts());
        record.headers().add(io.upbeat.events.EventTimings.HEADER, encoded.timings());
        producer.send(record).get();
      }
    }
    Running run = start(db);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(storedOffsets()).isEqualTo(endOffsets()));
    run.stop();
    assertThat(storedCalls()).containsExactly(expectedCalls, expectedCallFailures);
    assertThat(run.meters().counter("upbeat.processor.destination.calls").count())
        .isEqualTo(expectedCalls);

    io.upbeat.metrics.DurationStats merged = new io.upbeat.metrics.DurationStats();
    int rows = 0;
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count, sum_ms, min_ms, max_ms, failures, sketch, bucket"
                    + " FROM destination_metrics_1m WHERE destination = 'inventory:8080'"
                    + " AND environment = 'production' AND app_id = '"
                    + app
                    + "'")) {
      while (rs.next()) {
        rows++;
        assertThat(rs.getTimestamp(7).toInstant()).isEqualTo(minute);
        merged.mergeStored(
            rs.getLong(1),
            rs.getDouble(2),
            rs.getDouble(3),
            rs.getDouble(4),
            rs.getLong(5),
            rs.getBytes(6));
      }
    }
    // One row per commit's writer partition (ITWriterRows), merged as the API merges them.
    assertThat(rows).isBetween(1, PARTITIONS);
    assertThat(merged.count()).isEqualTo(inventory.size());
    assertThat(merged.failures()).isEqualTo(8);
    assertThat(merged.max()).isEqualTo(107);
    inventory.sort(null);
    double exact = inventory.get((int) Math.ceil(0.95 * inventory.size()) - 1);
    assertThat(merged.sketch().quantile(0.95))
        .isCloseTo(exact, org.assertj.core.data.Percentage.withPercentage(1));
  }

  @Test
  void pausesWhilePostgresIsDownAndResumesWithNothingLost() throws Exception {
    Switchable flaky = new Switchable(db);
    Running run = start(flaky);
    produce(10);
    awaitTotals();

    flaky.down = true;
    long countBefore = expectedCount;
    produce(10);
    // Nothing can be written while PostgreSQL is down...
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> storedTotal() == countBefore);
    // ...and once it is back, the same run writes everything, once.
    flaky.down = false;
    awaitTotals();
    run.stop();
    assertThat(storedOffsets()).isEqualTo(endOffsets());
  }

  private long storedTotal() throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name <> ''"
                    + " AND app_id = '"
                    + app
                    + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void awaitTotals() {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              try (Connection c = db.getConnection();
                  Statement st = c.createStatement();
                  ResultSet rs =
                      st.executeQuery(
                          "SELECT txn_name = '', coalesce(sum(count), 0), coalesce(sum(sum_ms), 0)"
                              + " FROM txn_metrics_1m WHERE app_id = '"
                              + app
                              + "' GROUP BY txn_name = '' ORDER BY 1")) {
                // The named rows, then the app-wide rows: both hold every transaction once.
                for (int i = 0; i < 2; i++) {
                  assertThat(rs.next()).isTrue();
                  assertThat(rs.getLong(2)).isEqualTo(expectedCount);
                  assertThat(rs.getDouble(3)).isEqualTo(expectedSum);
                }
              }
              assertThat(storedCalls()).containsExactly(expectedCalls, expectedCallFailures);
            });
  }

  /** The calls and failures in the app's destination rows, summed over every row. */
  private List<Long> storedCalls() throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT coalesce(sum(count), 0), coalesce(sum(failures), 0)"
                    + " FROM destination_metrics_1m WHERE app_id = '"
                    + app
                    + "'")) {
      rs.next();
      return List.of(rs.getLong(1), rs.getLong(2));
    }
  }

  /** One minute's calls to {@code destination} as an agent aggregates them: 1..n ms, one failed. */
  private DestinationMetric calls(String destination, int n, List<Double> durations) {
    io.upbeat.metrics.LatencySketch sketch = io.upbeat.metrics.LatencySketch.empty();
    double sum = 0;
    for (int i = 1; i <= n; i++) {
      sketch.add(i);
      sum += i;
      durations.add((double) i);
    }
    expectedCalls += n;
    expectedCallFailures += 1;
    return new DestinationMetric(destination, minute, n, 1, sum, 1, n, sketch.toBytes());
  }

  /** {@code batches} batches of 10 transactions each, round-robin over the partitions. */
  private void produce(int batches) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int b = 0; b < batches; b++) {
        List<TransactionEvent> txns = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
          double duration = i; // 1..10 ms: sums stay exact in binary floating point
          txns.add(
              new TransactionEvent(
                  null,
                  null,
                  "GET /t" + (i % 3),
                  "request",
                  minute.plusSeconds(i),
                  duration,
                  "HTTP 2xx",
                  "success",
                  List.of(),
                  null));
          expectedCount++;
          expectedSum += duration;
        }
        EventBatch batch =
            new EventBatch(
                    UUID.randomUUID(),
                    app,
                    Instant.now(),
                    new ServiceInfo("shop", null, null, null, null, null, null),
                    txns,
                    List.of())
                .withDestinationMetrics(
                    List.of(calls("inventory:8080", 1 + b % 4, new ArrayList<>())));
        producer
            .send(new ProducerRecord<>(topic, b % PARTITIONS, null, EventBatchCodec.encode(batch)))
            .get();
      }
    }
  }

  private Map<Integer, Long> storedOffsets() throws Exception {
    return new OffsetLedger(db, "metrics").offsets(topic, List.of(0, 1, 2));
  }

  private Map<Integer, Long> endOffsets() {
    try (KafkaConsumer<byte[], byte[]> c = consumer("probe")) {
      Map<Integer, Long> end = new java.util.HashMap<>();
      c.endOffsets(
              c.partitionsFor(topic).stream()
                  .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition()))
                  .toList())
          .forEach((tp, o) -> end.put(tp.partition(), o));
      return end;
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer(String group) {
    return new KafkaConsumer<>(
        Map.of(
            "bootstrap.servers", s.bootstrapServers(),
            "group.id", group,
            "enable.auto.commit", "false",
            "isolation.level", "read_committed",
            "auto.offset.reset", "earliest",
            "max.poll.records", "7"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  private Running start(DataSource target) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventPipeline<MetricsWork> pipeline =
        new EventPipeline<>(
            "metrics",
            io.upbeat.events.EventBatchCodec.Parts.TRANSACTION_TIMINGS,
            consumer("processor-" + s.topicPrefix()),
            new KafkaProducer<>(
                Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer()),
            deadLetterTopic(),
            topic,
            new LedgerStore<>(new OffsetLedger(target, "metrics"), new MetricsStore(target, 7)),
            MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, meters),
            Clock.systemUTC(),
            Duration.ofMillis(200),
            meters);
    Thread thread = Thread.ofPlatform().start(pipeline);
    return new Running(pipeline, thread, meters);
  }

  private record Running(
      EventPipeline<MetricsWork> pipeline, Thread thread, SimpleMeterRegistry meters) {
    void stop() throws InterruptedException {
      pipeline.stop();
      thread.join(30_000);
      assertThat(thread.isAlive()).isFalse();
    }

    boolean assigned() {
      return pipeline.assignedPartitions() > 0;
    }

    boolean pipelineHasRun() {
      return meters.counter("upbeat.processor.transactions").count() > 0;
    }
  }

  /** A data source that can be made to refuse connections, as a stopped PostgreSQL does. */
  static final class Switchable extends org.springframework.jdbc.datasource.DelegatingDataSource {
    volatile boolean down;
    final java.util.concurrent.atomic.AtomicInteger refused =
        new java.util.concurrent.atomic.AtomicInteger();

    Switchable(DataSource target) {
      super(target);
    }

    @Override
    public Connection getConnection() throws java.sql.SQLException {
      if (down) {
        refused.incrementAndGet();
        throw new java.sql.SQLException("connection refused (test)", "08001");
      }
      return super.getConnection();
    }
  }
}
