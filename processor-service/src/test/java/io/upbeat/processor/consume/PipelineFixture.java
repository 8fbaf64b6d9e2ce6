package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventTimings;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TraceKeys;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.TestStack;
import io.upbeat.processor.errors.ErrorStore;
import io.upbeat.processor.errors.ErrorWork;
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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * An events topic, its dead-letter topic and a migrated database on the real embedded stack, with
 * pipelines started on them as the processor wires them: what the pipeline ITs share.
 */
final class PipelineFixture implements AutoCloseable {
  final TestStack s;
  final String topic;
  final String deadLetterTopic;
  final DataSource db;
  final int partitions;
  private final KafkaProducer<byte[], byte[]> producer;

  PipelineFixture(TestStack s, String name, int partitions) throws Exception {
    this.s = s;
    this.topic = s.topic(name);
    this.deadLetterTopic = s.topic(name + ".dlq");
    this.partitions = partitions;
    this.db = s.dataSource();
    Schema.flyway(db).migrate();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, partitions, (short) 1),
                  new NewTopic(deadLetterTopic, 1, (short) 1)))
          .all()
          .get();
    }
    producer = producer();
  }

  DataSource dataSource() {
    return db;
  }

  KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /**
   * Writes a record as intake does (the event-model codec with its parts and timings headers),
   * bypassing intake; returns its offset.
   */
  long send(int partition, EventBatch batch) throws Exception {
    EventBatchCodec.Encoded encoded = EventBatchCodec.encodeRecord(batch);
    ProducerRecord<byte[], byte[]> r =
        new ProducerRecord<>(topic, partition, "key".getBytes(), encoded.value());
    r.headers().add(EventBatchCodec.PARTS_HEADER, encoded.parts());
    if (encoded.timings() != null) {
      r.headers().add(EventTimings.HEADER, encoded.timings());
    }
    r.headers().add(TraceKeys.HEADER, encoded.traceKeys());
    return producer.send(r).get().offset();
  }

  /**
   * Writes a record as intake does for a request with an {@code Idempotency-Key} ({@code key}, or
   * none where null); returns its offset.
   */
  long send(int partition, EventBatch batch, String key) throws Exception {
    EventBatchCodec.Encoded encoded = EventBatchCodec.encodeRecord(batch);
    ProducerRecord<byte[], byte[]> r =
        new ProducerRecord<>(topic, partition, null, encoded.value());
    r.headers().add(EventBatchCodec.PARTS_HEADER, encoded.parts());
    if (encoded.timings() != null) {
      r.headers().add(EventTimings.HEADER, encoded.timings());
    }
    r.headers().add(TraceKeys.HEADER, encoded.traceKeys());
    if (key != null) {
      r.headers()
          .add(
              IdempotencyKeys.RECORD_HEADER,
              key.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return producer.send(r).get().offset();
  }

  /** Writes {@code value} with no parts header, as records written before it existed. */
  long sendRaw(int partition, byte[] value) throws Exception {
    return send(partition, value, null);
  }

  long send(int partition, byte[] value, byte[] partsHeader) throws Exception {
    return send(partition, value, partsHeader, null);
  }

  /** Writes {@code value} with the given headers (none where null). */
  long send(int partition, byte[] value, byte[] partsHeader, byte[] timingsHeader)
      throws Exception {
    ProducerRecord<byte[], byte[]> r =
        new ProducerRecord<>(topic, partition, "key".getBytes(), value);
    if (partsHeader != null) {
      r.headers().add(EventBatchCodec.PARTS_HEADER, partsHeader);
    }
    if (timingsHeader != null) {
      r.headers().add(EventTimings.HEADER, timingsHeader);
    }
    return producer.send(r).get().offset();
  }

  static EventBatch batch(UUID app, List<TransactionEvent> txns, List<ErrorEvent> errors) {
    return new EventBatch(
        UUID.randomUUID(),
        app,
        Instant.now(),
        new ServiceInfo("shop", null, "1.0", null, null, null, null),
        txns,
        errors);
  }

  static ErrorEvent error(String type, String message, String transactionName) {
    return new ErrorEvent(
        null,
        Instant.now().minusSeconds(60),
        null,
        transactionName,
        "error",
        null,
        new ExceptionInfo(
            type,
            message,
            List.of(new StackFrame("com.shop.UserService", "find", null, null, 42, true)),
            null),
        null,
        null);
  }

  static TransactionEvent txn(String name, double ms) {
    return new TransactionEvent(
        null,
        null,
        name,
        "request",
        Instant.now().minusSeconds(60),
        ms,
        "HTTP 2xx",
        "success",
        List.of(),
        null);
  }

  Running errors(String group, Producer<byte[], byte[]> deadLetters) {
    return errors(group, deadLetters, db);
  }

  /** The errors pipeline writing through {@code target}. */
  Running errors(String group, Producer<byte[], byte[]> deadLetters, DataSource target) {
    return start(
        "errors",
        EventBatchCodec.Parts.ERRORS,
        group,
        deadLetters,
        new LedgerStore<>(new OffsetLedger(target, "errors"), new ErrorStore(5)),
        meters -> ErrorWork.factory(5, meters));
  }

  Running metrics(String group) {
    return metrics(group, DeletedApps.NONE);
  }

  /** The metrics pipeline, dropping the events of {@code deleted} apps. */
  Running metrics(String group, DeletedApps deleted) {
    return start(
        "metrics",
        EventBatchCodec.Parts.TRANSACTION_TIMINGS,
        group,
        producer(),
        new LedgerStore<>(new OffsetLedger(db, "metrics"), new MetricsStore(db, 7)),
        meters -> MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, meters),
        deleted);
  }

  /** The errors pipeline, dropping the events of {@code deleted} apps. */
  Running errors(String group, DeletedApps deleted) {
    return start(
        "errors",
        EventBatchCodec.Parts.ERRORS,
        group,
        producer(),
        new LedgerStore<>(new OffsetLedger(db, "errors"), new ErrorStore(5)),
        meters -> ErrorWork.factory(5, meters),
        deleted);
  }

  interface WorkFactory<W extends PartitionWork> {
    Supplier<W> make(SimpleMeterRegistry meters);
  }

  <W extends PartitionWork> Running start(
      String name,
      EventBatchCodec.Parts parts,
      String group,
      Producer<byte[], byte[]> deadLetters,
      WorkStore<W> store,
      WorkFactory<W> work) {
    return start(name, parts, group, deadLetters, store, work, DeletedApps.NONE);
  }

  <W extends PartitionWork> Running start(
      String name,
      EventBatchCodec.Parts parts,
      String group,
      Producer<byte[], byte[]> deadLetters,
      WorkStore<W> store,
      WorkFactory<W> work,
      DeletedApps deleted) {
    return start(name, parts, group, deadLetters, store, work, deleted, ReadDelay.NONE);
  }

  /** A pipeline reading {@code delay} behind real time (the tail pipeline). */
  <W extends PartitionWork> Running start(
      String name,
      EventBatchCodec.Parts parts,
      String group,
      Producer<byte[], byte[]> deadLetters,
      WorkStore<W> store,
      WorkFactory<W> work,
      DeletedApps deleted,
      ReadDelay delay) {
    try {
      store.prepare(LocalDate.now(ZoneOffset.UTC));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventPipeline<W> pipeline =
        new EventPipeline<>(
            name,
            parts,
            consumer(group),
            () -> deadLetters,
            deadLetterTopic,
            topic,
            store,
            work.make(meters),
            deleted,
            delay,
            new Rereads(
                topic,
                () -> {
                  if (failRereads) {
                    throw new org.apache.kafka.common.KafkaException("test: re-reads fail");
                  }
                  return rereader();
                },
                Duration.ofSeconds(30)),
            Clock.systemUTC(),
            Duration.ofMillis(200),
            meters);
    return new Running(pipeline, Thread.ofPlatform().name("test-" + name).start(pipeline), meters);
  }

  /** When set, pipelines started from now on cannot read their records again from Kafka. */
  volatile boolean failRereads;

  /** A consumer as the pipelines re-read records with: no group, committed records only. */
  KafkaConsumer<byte[], byte[]> rereader() {
    return new KafkaConsumer<>(
        Map.of(
            "bootstrap.servers", s.bootstrapServers(),
            "enable.auto.commit", "false",
            "isolation.level", "read_committed"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  KafkaConsumer<byte[], byte[]> consumer(String group) {
    return new KafkaConsumer<>(
        Map.of(
            "bootstrap.servers", s.bootstrapServers(),
            "group.id", group,
            "enable.auto.commit", "false",
            "isolation.level", "read_committed",
            "auto.offset.reset", "earliest",
            "max.poll.records", "5"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  /** Everything in the dead-letter topic now. */
  List<ConsumerRecord<byte[], byte[]>> deadLetters() {
    List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer("dlq-" + UUID.randomUUID())) {
      TopicPartition tp = new TopicPartition(deadLetterTopic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        c.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
  }

  long value(String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  void execute(String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  Map<Integer, Long> storedOffsets(String pipeline) throws Exception {
    List<Integer> all = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      all.add(p);
    }
    return new OffsetLedger(db, pipeline).offsets(topic, all);
  }

  Map<Integer, Long> endOffsets() {
    try (KafkaConsumer<byte[], byte[]> c = consumer("probe")) {
      Map<Integer, Long> end = new HashMap<>();
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      c.endOffsets(tps).forEach((tp, o) -> end.put(tp.partition(), o));
      return end;
    }
  }

  @Override
  public void close() {
    producer.close();
  }

  record Running(EventPipeline<?> pipeline, Thread thread, SimpleMeterRegistry meters) {
    void stop() throws InterruptedException {
      pipeline.stop();
      thread.join(30_000);
      assertThat(thread.isAlive()).isFalse();
    }

    boolean assigned() {
      return pipeline.assignedPartitions() > 0;
    }

    double count(String name, String... tags) {
      return meters.counter(name, tags).count();
    }
  }
}
