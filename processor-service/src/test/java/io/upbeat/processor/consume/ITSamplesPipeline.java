package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.OrphanSpan;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.Span;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestStack;
import io.upbeat.processor.samples.SampleStore;
import io.upbeat.processor.samples.SampleWork;
import io.upbeat.storage.Schema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
 * The samples pipeline on the real embedded Kafka and PostgreSQL: sampled transactions are stored
 * with their spans and trace links, those without a trace at most the budget per name and minute,
 * those of a trace all (whole traces) up to the safety cap per app and minute, exactly once across
 * a restart.
 */
class ITSamplesPipeline {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private final Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);
  private TestStack s;
  private String topic;
  private DataSource db;

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
                  new NewTopic(topic, 1, (short) 1),
                  new NewTopic(s.topic("upbeat.events.dlq"), 1, (short) 1)))
          .all()
          .get();
    }
  }

  @Test
  void keepsSamplesWithSpansWithinTheBudgetExactlyOnce() throws Exception {
    // Without a trace: 4 batches x 3 samples of one name and minute, 12 > budget 5.
    produce("GET /users/{id}", 4, null);
    produce("GET /orders", 1, null);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventPipeline<SampleWork> first = pipeline(meters);
    Thread t1 = Thread.ofPlatform().start(first);
    await().atMost(Duration.ofSeconds(60)).until(() -> stored("GET /orders") == 3);
    first.stop();
    t1.join(30_000);

    // Samples of a new minute get a new budget; a restart neither repeats nor loses any.
    produce("GET /users/{id}", 1, null);
    EventPipeline<SampleWork> second = pipeline(new SimpleMeterRegistry());
    Thread t2 = Thread.ofPlatform().start(second);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                new OffsetLedger(db, "samples").offsets(topic, List.of(0)).getOrDefault(0, 0L)
                    == 6L);
    second.stop();
    t2.join(30_000);

    assertThat(stored("GET /users/{id}")).isEqualTo(5 + 3); // the budget, then the next minute's
    assertThat(meters.counter("upbeat.processor.samples", "result", "over_budget").count())
        .isEqualTo(7);
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT spans::text, context::text, service_version, trace_id, started_at,"
                    + " duration_ms, transaction_id, txn_type, result, outcome FROM txn_samples"
                    + " WHERE app_id = '"
                    + app
                    + "' AND txn_name = 'GET /orders' ORDER BY started_at LIMIT 1")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getTimestamp(5).toInstant()).isEqualTo(minute.plusNanos(123_456_000));
      assertThat(rs.getDouble(6)).isEqualTo(2.5);
      assertThat(rs.getString(7)).isEqualTo("a1b2c3d4e5f6a7b0");
      assertThat(List.of(rs.getString(8), rs.getString(9), rs.getString(10)))
          .containsExactly("request", "HTTP 2xx", "success");
      assertThat(rs.getString(1))
          .contains("\"name\": \"SELECT FROM orders\"")
          .contains("\"start_ms\": 0.5");
      assertThat(rs.getString(2)).contains("\"region\": \"eu\"");
      assertThat(rs.getString(3)).isEqualTo("v7");
      assertThat(rs.getString(4)).isNull();
    }
  }

  /**
   * M15: the parts of one trace, from two apps and two partitions, are all kept though the name's
   * budget (5) would drop most of them, with their links; the cap per app and minute bounds them.
   */
  @Test
  void aTraceIsKeptWholeAcrossAppsAndPartitionsUpToTheCap() throws Exception {
    String traces = s.topic("upbeat.events.traces");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(traces, 2, (short) 1))).all().get();
    }
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    UUID other = UUID.randomUUID();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int b = 0; b < 3; b++) {
      // Caller: app, partition 0; callee: another app, partition 1; 4 parts each per batch.
      records.add(traceRecord(traces, 0, app, trace, "GET /checkout", 4, b));
      records.add(traceRecord(traces, 1, other, trace, "GET /stock", 4, b));
    }
    // Over the cap (15 per app and minute in a partition): the app's busy trace, same minute.
    String busy = "00000000000000000000000000000abc";
    for (int b = 0; b < 3; b++) {
      records.add(traceRecord(traces, 0, app, busy, "GET /busy", 4, b + 3));
    }
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (ProducerRecord<byte[], byte[]> r : records) {
        producer.send(r).get();
      }
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventPipeline<SampleWork> p = pipeline(meters, traces, 15);
    Thread t = Thread.ofPlatform().start(p);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                Map<Integer, Long> o =
                    new OffsetLedger(db, "samples").offsets(traces, List.of(0, 1));
                return o.getOrDefault(0, 0L) == 6L && o.getOrDefault(1, 0L) == 3L;
              });
    } finally {
      p.stop();
      t.join(30_000);
    }
    // Whole: all 12 parts of each app, though the name's budget (5) would have kept 5 of each.
    assertThat(query("SELECT count(*) FROM txn_samples WHERE trace_id = '" + trace + "'"))
        .isEqualTo("24");
    assertThat(meters.counter("upbeat.processor.samples", "result", "over_budget").count())
        .isZero();
    // The app's partition then had room for 3 more in the minute: the busy trace is cut there.
    assertThat(stored("GET /busy")).isEqualTo(3);
    assertThat(meters.counter("upbeat.processor.samples", "result", "over_cap").count())
        .isEqualTo(9);
    // The links the trace view reads: the caller's span, and each span's own.
    assertThat(
            query(
                "SELECT count(*) FROM txn_samples WHERE trace_id = '"
                    + trace
                    + "' AND parent_id = '00f067aa0ba902b7'"))
        .isEqualTo("24");
    String spans =
        query(
            "SELECT spans::text FROM txn_samples WHERE app_id = '"
                + other
                + "' AND transaction_id = '00000001"
                + String.format("%08x", other.hashCode())
                + "'");
    assertThat(spans)
        .contains("\"id\": \"50000001")
        .contains("\"parent_id\": \"00000001")
        .contains("\"destination\": \"inventory:8080\"")
        .contains("\"outcome\": \"success\"");
  }

  private ProducerRecord<byte[], byte[]> traceRecord(
      String topicName, int partition, UUID appId, String trace, String name, int n, int batch) {
    List<TransactionEvent> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = String.format("%04x%04x%08x", batch, i, appId.hashCode());
      samples.add(
          new TransactionEvent(
              id,
              trace,
              name,
              "request",
              minute.plusSeconds(i),
              2.5,
              "HTTP 2xx",
              "success",
              List.of(
                  new Span(
                      "GET inventory",
                      "external.http",
                      0.5,
                      1.0,
                      "5" + id.substring(1),
                      id,
                      "inventory:8080",
                      "success")),
              null,
              "00f067aa0ba902b7",
              true));
    }
    EventBatch b =
        new EventBatch(
            UUID.randomUUID(),
            appId,
            Instant.now(),
            new ServiceInfo("shop", null, "v7", null, null, null, null),
            List.of(),
            List.of(),
            samples,
            List.of());
    return new ProducerRecord<>(topicName, partition, null, EventBatchCodec.encode(b));
  }

  @Test
  void orphanSpansJoinTheirSampleWhetherTheyCameBeforeOrAfterIt() throws Exception {
    String trace = "5b8efff798038103d269b633813fc60c";
    Instant start = minute.plusSeconds(5);
    OrphanSpan before =
        new OrphanSpan(
            trace,
            "eee19b7ec3c1b174",
            start.plusMillis(2),
            new Span(
                "SELECT a",
                "db.h2.query",
                null,
                1.5,
                "53995c3f42cd8ad8",
                "eee19b7ec3c1b174",
                "h2",
                null));
    OrphanSpan after =
        new OrphanSpan(
            trace,
            "eee19b7ec3c1b174",
            start.plusMillis(4),
            new Span("SELECT b", "db.h2.query", null, 0.5));
    OrphanSpan lonely =
        new OrphanSpan(
            trace, "0000000000000001", start, new Span("SELECT c", "db.h2.query", null, 1.0));
    TransactionEvent sample =
        new TransactionEvent(
            "eee19b7ec3c1b174",
            trace,
            "GET /joined",
            "request",
            start,
            12.5,
            "HTTP 2xx",
            "success",
            List.of(new Span("handler", "app", 1.0, 10.0)),
            null);
    send(List.of(), List.of(before));
    send(List.of(sample), List.of());
    send(List.of(), List.of(after, lonely));

    EventPipeline<SampleWork> p = pipeline(new SimpleMeterRegistry());
    Thread t = Thread.ofPlatform().start(p);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  "3"
                      .equals(
                          query(
                              "SELECT jsonb_array_length(spans) FROM txn_samples WHERE app_id = '"
                                  + app
                                  + "' AND txn_name = 'GET /joined'")));
    } finally {
      p.stop();
      t.join(30_000);
    }
    String spans =
        query(
            "SELECT spans::text FROM txn_samples WHERE app_id = '"
                + app
                + "' AND txn_name = 'GET /joined'");
    assertThat(spans)
        .contains("\"name\": \"handler\"")
        .contains("\"name\": \"SELECT a\", \"type\": \"db.h2.query\", \"start_ms\": 2")
        .contains("\"name\": \"SELECT b\", \"type\": \"db.h2.query\", \"start_ms\": 4")
        // Trace links travel with a joined span; those it lacks are left out, not null.
        .contains("\"id\": \"53995c3f42cd8ad8\"")
        .contains("\"parent_id\": \"eee19b7ec3c1b174\"")
        .contains("\"destination\": \"h2\"")
        .doesNotContain("null");
    // The span of a transaction never stored waits (up to 10 minutes); the joined ones are gone.
    assertThat(query("SELECT count(*) FROM txn_orphan_spans WHERE app_id = '" + app + "'"))
        .isEqualTo("1");
  }

  @Test
  void aPoisonedFlushKeepsTheSamplesItWouldHaveKeptAndCountsEachOnce() throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement()) {
      // Test-only: PostgreSQL refuses one name, as it would refuse any value it cannot store.
      st.execute("ALTER TABLE txn_samples ADD CONSTRAINT test_poison CHECK (txn_name <> 'poison')");
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventPipeline<SampleWork> p = pipeline(meters);
    Thread t = Thread.ofPlatform().start(p);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all", "linger.ms", 300),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      producer.send(record(samplesOf("GET /s", 3))).get(); // 3 of the minute's budget of 5
      await().atMost(Duration.ofSeconds(60)).until(() -> stored("GET /s") == 3);
      // Read and flushed together: 2 of these 3 fit the budget, and a record PostgreSQL refuses.
      var within = producer.send(record(samplesOf("GET /s", 3)));
      var poison = producer.send(record(samplesOf("poison", 1)));
      within.get();
      poison.get();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                new OffsetLedger(db, "samples").offsets(topic, List.of(0)).getOrDefault(0, 0L)
                    == 3L);
    p.stop();
    t.join(30_000);

    assertThat(stored("GET /s")).isEqualTo(5); // as without the poison: the budget, no more
    assertThat(stored("poison")).isZero();
    assertThat(meters.counter("upbeat.processor.samples", "result", "kept").count())
        .isEqualTo(3 + 2 + 1);
    assertThat(meters.counter("upbeat.processor.samples", "result", "over_budget").count())
        .isEqualTo(1);
    assertThat(
            meters
                .counter(
                    "upbeat.processor.records.deadlettered",
                    "pipeline",
                    "samples",
                    "reason",
                    "data_fault")
                .count())
        .isEqualTo(1);
    // The rows the bisection committed are counted as any flush's.
    assertThat(meters.counter("upbeat.processor.rows.written", "pipeline", "samples").count())
        .isEqualTo(5);
  }

  @Test
  void aDataFaultOfEveryCommitDeadLettersNothingAndIsRetriedUntilFixed() throws Exception {
    produce("GET /orders", 1, "0af7651916cd43dd8448eb211c80319c");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventPipeline<SampleWork> p = pipeline(meters);
    Thread t = Thread.ofPlatform().start(p);
    await().atMost(Duration.ofSeconds(60)).until(() -> stored("GET /orders") == 3);
    // Test-only: a parked orphan span that every commit joins to its stored sample, and a rule
    // PostgreSQL then refuses: every commit fails, whatever its records.
    try (Connection c = db.getConnection();
        Statement st = c.createStatement()) {
      st.execute(
          "ALTER TABLE txn_samples ADD CONSTRAINT test_systemic"
              + " CHECK (jsonb_array_length(spans) < 2)");
      st.execute(
          "INSERT INTO txn_orphan_spans (app_id, trace_id, transaction_id, spans) VALUES ('"
              + app
              + "', '0af7651916cd43dd8448eb211c80319c', 'a1b2c3d4e5f6a7b0',"
              + " '[{\"name\": \"late\", \"type\": \"app\", \"start_epoch_ms\": 0,"
              + " \"duration_ms\": 1}]')");
    }
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      producer.send(record(samplesOf("GET /later", 1))).get();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                meters.counter("upbeat.processor.flushes.systemic", "pipeline", "samples").count()
                    >= 2);
    assertThat(deadLettered(meters)).isZero();
    assertThat(stored("GET /later")).isZero();

    try (Connection c = db.getConnection();
        Statement st = c.createStatement()) {
      st.execute("ALTER TABLE txn_samples DROP CONSTRAINT test_systemic");
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> stored("GET /later") == 1);
    p.stop();
    t.join(30_000);
    assertThat(deadLettered(meters)).isZero();
  }

  private static double deadLettered(SimpleMeterRegistry meters) {
    return meters
        .counter(
            "upbeat.processor.records.deadlettered", "pipeline", "samples", "reason", "data_fault")
        .count();
  }

  private ProducerRecord<byte[], byte[]> record(List<TransactionEvent> samples) {
    EventBatch batch =
        new EventBatch(
            UUID.randomUUID(),
            app,
            Instant.now(),
            new ServiceInfo("shop", null, "v7", null, null, null, null),
            List.of(),
            List.of(),
            samples,
            List.of());
    return new ProducerRecord<>(topic, 0, null, EventBatchCodec.encode(batch));
  }

  private List<TransactionEvent> samplesOf(String name, int n) {
    List<TransactionEvent> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      samples.add(
          new TransactionEvent(
              "b1b2c3d4e5f6a7b" + i,
              null, // no trace: the name's budget applies
              name,
              "request",
              minute.plusSeconds(i),
              2.5,
              "HTTP 2xx",
              "success",
              List.of(),
              null));
    }
    return samples;
  }

  private void send(List<TransactionEvent> samples, List<OrphanSpan> orphans) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      EventBatch batch =
          new EventBatch(
              UUID.randomUUID(),
              app,
              Instant.now(),
              new ServiceInfo("shop", null, null, null, null, null, null),
              List.of(),
              List.of(),
              samples,
              List.of(),
              orphans);
      producer.send(new ProducerRecord<>(topic, 0, null, EventBatchCodec.encode(batch))).get();
    }
  }

  private String query(String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private long stored(String name) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM txn_samples WHERE app_id = '"
                    + app
                    + "' AND txn_name = '"
                    + name
                    + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private int produced;

  private void produce(String name, int batches, String traceId) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int b = 0; b < batches; b++) {
        List<TransactionEvent> samples = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          samples.add(
              new TransactionEvent(
                  "a1b2c3d4e5f6a7b" + i,
                  traceId,
                  name,
                  "request",
                  // The last batch of a name goes to the next minute (a fresh budget).
                  produced++ >= 12 && name.startsWith("GET /users")
                      ? minute.plusSeconds(70)
                      : minute.plusSeconds(i).plusNanos(123_456_000), // microseconds kept
                  2.5,
                  "HTTP 2xx",
                  "success",
                  List.of(new Span("SELECT FROM orders", "db.postgresql.query", 0.5, 1.25)),
                  "{\"tags\":{\"region\":\"eu\"}}"));
        }
        EventBatch batch =
            new EventBatch(
                UUID.randomUUID(),
                app,
                Instant.now(),
                new ServiceInfo("shop", null, "v7", null, null, null, null),
                List.of(),
                List.of(),
                samples,
                List.of());
        producer.send(new ProducerRecord<>(topic, 0, null, EventBatchCodec.encode(batch))).get();
      }
    }
  }

  private EventPipeline<SampleWork> pipeline(SimpleMeterRegistry meters) {
    return pipeline(meters, topic, SampleWork.DEFAULT_MAX_PER_APP_MINUTE);
  }

  private EventPipeline<SampleWork> pipeline(
      SimpleMeterRegistry meters, String topicName, int maxPerAppMinute) {
    Clock clock = Clock.systemUTC();
    WorkStore<SampleWork> store =
        new LedgerStore<>(new OffsetLedger(db, "samples"), new SampleStore(db, 7));
    try {
      store.prepare(LocalDate.now(ZoneOffset.UTC));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return new EventPipeline<>(
        "samples",
        EventBatchCodec.Parts.SAMPLES,
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers", s.bootstrapServers(),
                "group.id", "processor-samples-" + s.topicPrefix(),
                "enable.auto.commit", "false",
                "isolation.level", "read_committed",
                "auto.offset.reset", "earliest",
                "max.poll.records", "2"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer()),
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer()),
        s.topic("upbeat.events.dlq"),
        topicName,
        store,
        SampleWork.factory(5, maxPerAppMinute, clock, 7, meters),
        clock,
        Duration.ofMillis(200),
        meters);
  }
}
