package io.upbeat.bench.processor;

import io.upbeat.bench.Proc;
import io.upbeat.bench.ServiceJar;
import io.upbeat.bench.Traffic;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventTimings;
import io.upbeat.events.Topics;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.LocalStack;
import io.upbeat.storage.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Processor-only throughput on a pre-filled topic, PostgreSQL included.
 *
 * <ol>
 *   <li>Starts a throw-away Kafka broker (KRaft) and PostgreSQL in this JVM, migrates the schema.
 *   <li>Fills {@code upbeat.events} (12 partitions) with canonical batches as intake writes them
 *       (LZ4): {@code TRANSACTIONS} transactions in batches of 100, 10 apps, 200 endpoints, one
 *       error per batch, timestamps spread over the last {@code SPREAD_MINUTES} minutes; each
 *       record carries an idempotency key as the Java agent sends them (a random UUID per batch),
 *       unless {@code -DidempotencyKeys=false}.
 *   <li>Baseline: one plain consumer reads and decodes the whole topic, twice (the second, warm
 *       pass counts): the rate at which the records can merely be read and parsed here.
 *   <li>Starts processor-service.jar in its own JVM and watches {@code processor_offsets} until
 *       both pipelines (metrics and errors) have committed the last offset; the rate counts from
 *       the first commit to the last, so JVM start-up is reported separately.
 *   <li>Checks the stored counts against what was sent, and prints a Markdown table.
 * </ol>
 */
public final class ProcessorThroughput {
  private static final int PER_BATCH = 100;
  private static final int APPS = 10;
  private static final boolean KEYS =
      Boolean.parseBoolean(System.getProperty("idempotencyKeys", "true"));

  private ProcessorThroughput() {}

  public static void main(String[] args) throws Exception {
    long transactions = Long.getLong("transactions", 3_000_000);
    int spreadMinutes = Integer.getInteger("spreadMinutes", 5);
    String processorOpts = System.getProperty("processorJavaOpts", "-Xmx1g -XX:+UseParallelGC");
    Path root = Path.of(System.getProperty("upbeat.root", ".")).toAbsolutePath().normalize();
    Path jar = ServiceJar.of(root, "processor-service");
    int batches = (int) (transactions / PER_BATCH);

    log("starting Kafka and PostgreSQL");
    LocalStack stack = LocalStack.shared();
    stack.postgres().ensureDatabase("upbeat", "upbeat", "upbeat");
    String jdbcUrl = stack.postgres().jdbcUrl("upbeat");
    PGSimpleDataSource db = new PGSimpleDataSource();
    db.setURL(jdbcUrl);
    db.setUser("upbeat");
    db.setPassword("upbeat");
    Schema.flyway(db).migrate();
    String bootstrap = stack.kafka().bootstrapServers();
    String topic = Topics.EVENTS;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, Topics.EVENTS_PARTITIONS, (short) 1)
                      .configs(Topics.EVENTS_CONFIG)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }

    log("filling " + topic + " with " + batches + " batches of " + PER_BATCH + " transactions");
    long fillStart = System.nanoTime();
    long bytes = fill(bootstrap, topic, batches, spreadMinutes);
    double fillSeconds = seconds(fillStart);
    log(
        String.format(
            Locale.ROOT,
            "filled in %.1f s (%,d MB of canonical JSON before compression)",
            fillSeconds,
            bytes >> 20));

    log("baseline: one consumer reading and decoding the topic (cold pass, then warm pass)");
    Baseline cold = readAndDecode(bootstrap, topic);
    Baseline warm = readAndDecode(bootstrap, topic);
    if (warm.transactions() != transactions) {
      throw new IllegalStateException("baseline read " + warm.transactions() + " transactions");
    }

    log("starting processor-service (" + processorOpts + ")");
    Path processorLog = Files.createTempFile("processor-throughput", ".log");
    long started = System.nanoTime();
    Process processor =
        ServiceJar.start(jar, processorOpts, FreePorts.pick(), bootstrap, jdbcUrl, processorLog);
    try {
      Map<String, Progress> progress = watch(db, batches, started, processor);
      double cpu = Proc.cpuSeconds(processor.pid());
      long rss = Proc.rssMb(processor.pid());
      check(db, transactions, batches);
      report(transactions, fillSeconds, cold, warm, progress, cpu, rss, seconds(started));
    } finally {
      processor.destroy();
      processor.waitFor(30, TimeUnit.SECONDS);
      processor.destroyForcibly();
      log("processor log: " + processorLog);
    }
    System.exit(0); // the shared stack stops in its shutdown hook
  }

  private static long fill(String bootstrap, String topic, int batches, int spreadMinutes)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("acks", "all");
    config.put("compression.type", "lz4"); // as intake writes
    config.put("linger.ms", 20);
    config.put("batch.size", 1 << 20);
    config.put("max.request.size", Topics.EVENTS_MAX_RECORD_BYTES);
    Traffic traffic = new Traffic(1, 200);
    List<UUID> apps = new ArrayList<>();
    for (int i = 0; i < APPS; i++) {
      apps.add(UUID.randomUUID());
    }
    Instant start =
        Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(spreadMinutes, ChronoUnit.MINUTES);
    long spreadMillis = spreadMinutes * 60_000L;
    long bytes = 0;
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int b = 0; b < batches; b++) {
        // In production order: timestamps grow with the offset, as the backlog was written.
        Instant at = start.plusMillis(spreadMillis * b / batches);
        EventBatch batch = traffic.batch(apps.get(b % APPS), at, PER_BATCH, 1);
        // With the headers intake adds (see EventSink): what the pipelines read first.
        EventBatchCodec.Encoded encoded = EventBatchCodec.encodeRecord(batch);
        bytes += encoded.value().length;
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, encoded.value());
        record.headers().add(EventBatchCodec.PARTS_HEADER, encoded.parts());
        if (encoded.timings() != null) {
          record.headers().add(EventTimings.HEADER, encoded.timings());
        }
        if (KEYS) {
          record
              .headers()
              .add(
                  "upbeat-idempotency-key",
                  UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII));
        }
        producer.send(record);
      }
      producer.flush();
    }
    return bytes;
  }

  record Baseline(long transactions, double seconds) {
    double rate() {
      return transactions / seconds;
    }
  }

  private static Baseline readAndDecode(String bootstrap, String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("isolation.level", "read_committed");
    config.put("max.partition.fetch.bytes", Topics.EVENTS_MAX_RECORD_BYTES);
    config.put("max.poll.records", 200);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < Topics.EVENTS_PARTITIONS; p++) {
        partitions.add(new TopicPartition(topic, p));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long start = System.nanoTime();
      long transactions = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("baseline did not finish in 10 minutes");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          transactions += EventBatchCodec.decode(r.value()).transactions().size();
        }
      }
      return new Baseline(transactions, seconds(start));
    }
  }

  private static boolean reached(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** One pipeline's committed records over time: its first and last commit. */
  static final class Progress {
    double firstAt = -1;
    long firstRecords;
    double doneAt = -1;
  }

  private static Map<String, Progress> watch(
      PGSimpleDataSource db, long records, long started, Process processor) throws Exception {
    Map<String, Progress> progress = new HashMap<>();
    progress.put("metrics", new Progress());
    progress.put("errors", new Progress());
    long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
    while (progress.values().stream().anyMatch(p -> p.doneAt < 0)) {
      if (System.nanoTime() > deadline || !processor.isAlive()) {
        throw new IllegalStateException(
            "processor did not finish (alive=" + processor.isAlive() + ")");
      }
      double now = seconds(started);
      try (Connection c = db.getConnection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT pipeline, sum(next_offset) FROM processor_offsets GROUP BY pipeline")) {
        while (rs.next()) {
          Progress p = progress.get(rs.getString(1));
          long committed = rs.getLong(2);
          if (p == null) {
            continue;
          }
          if (p.firstAt < 0 && committed > 0) {
            p.firstAt = now;
            p.firstRecords = committed;
          }
          if (p.doneAt < 0 && committed >= records) {
            p.doneAt = now;
          }
        }
      }
      Thread.sleep(50);
    }
    return progress;
  }

  private static void check(PGSimpleDataSource db, long transactions, long errors)
      throws SQLException {
    long stored =
        queryLong(db, "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name <> ''");
    long appWide =
        queryLong(db, "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name = ''");
    long groups = queryLong(db, "SELECT coalesce(sum(count), 0) FROM error_groups");
    if (stored != transactions || appWide != transactions || groups != errors) {
      throw new IllegalStateException(
          "stored %d transactions and %d errors, sent %d and %d"
              .formatted(stored, groups, transactions, errors));
    }
    log(
        String.format(
            Locale.ROOT, "stored counts exact: %,d transactions, %,d errors", stored, groups));
  }

  private static long queryLong(PGSimpleDataSource db, String sql) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void report(
      long transactions,
      double fillSeconds,
      Baseline cold,
      Baseline warm,
      Map<String, Progress> progress,
      double cpuSeconds,
      long rssMb,
      double totalSeconds) {
    long records = transactions / PER_BATCH;
    System.out.println();
    System.out.println("| Leg | Transactions/s | Seconds | Ratio to baseline |");
    System.out.println("|---|---|---|---|");
    System.out.printf(
        Locale.ROOT,
        "| baseline: read + decode, one consumer (cold pass) | %,.0f | %.1f | |%n",
        cold.rate(),
        cold.seconds());
    System.out.printf(
        Locale.ROOT,
        "| **baseline: read + decode, one consumer (warm pass)** | **%,.0f** | %.1f | 1.00 |%n",
        warm.rate(),
        warm.seconds());
    double slowest = Double.MAX_VALUE;
    for (String pipeline : List.of("metrics", "errors")) {
      Progress p = progress.get(pipeline);
      double seconds = p.doneAt - p.firstAt;
      if (seconds < 1) {
        throw new IllegalStateException(
            "the "
                + pipeline
                + " pipeline finished within one flush: too little data to measure a rate;"
                + " raise TRANSACTIONS");
      }
      double rate = (records - p.firstRecords) * PER_BATCH / seconds;
      slowest = Math.min(slowest, rate);
      System.out.printf(
          Locale.ROOT,
          "| processor, %s pipeline (first commit to last) | %,.0f | %.1f | %.2f |%n",
          pipeline,
          rate,
          seconds,
          rate / warm.rate());
    }
    System.out.printf(
        Locale.ROOT,
        "| **processor, both pipelines done** | **%,.0f** | | **%.2f** |%n",
        slowest,
        slowest / warm.rate());
    System.out.println();
    // One machine-readable line for scripts (bench/quick.sh): the table rounds the ratio to two
    // decimals, too coarse for a ratio near 0.1 that is compared against a recorded one.
    System.out.printf(
        Locale.ROOT,
        "RESULT baseline_tx_per_s=%.0f processor_tx_per_s=%.0f ratio=%.4f%n",
        warm.rate(),
        slowest,
        slowest / warm.rate());
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%,d transactions (%,d records) filled in %.1f s; processor JVM: %.1f s from launch to"
            + " done (start-up included), %.0f CPU seconds (%.0f %% of one core on average), RSS"
            + " %d MB at the end.%n",
        transactions,
        records,
        fillSeconds,
        totalSeconds,
        cpuSeconds,
        100 * cpuSeconds / totalSeconds,
        rssMb);
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  private static void log(String message) {
    System.err.printf("[%s] %s%n", java.time.LocalTime.now().withNano(0), message);
  }
}
