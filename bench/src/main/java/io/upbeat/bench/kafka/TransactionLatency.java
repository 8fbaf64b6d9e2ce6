package io.upbeat.bench.kafka;

import io.upbeat.localstack.KafkaBroker;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Intake's Kafka path alone: {@code workers} transactional producers, each running transactions
 * back to back as intake's publisher workers do (begin, send {@code records} records of about 15
 * KB, flush, commit; intake's producer settings), against a local-stack broker in this JVM, once
 * per broker setting in {@code backoffs} ({@code add.partitions.to.txn.retry.backoff.ms}). Prints
 * transactions per second, the flush (the writes, acknowledged by every in-sync replica) and commit
 * percentiles, and the process's CPU time per transaction (producers and broker together).
 *
 * <p>System properties: {@code backoffs} (comma-separated, default {@code 20,1}), {@code lingers}
 * (the producers' {@code linger.ms}, comma-separated, default {@code 0}), {@code workers} (2),
 * {@code records} (4), {@code seconds} (15 measured, after 5 of warm-up).
 */
public final class TransactionLatency {
  private static final int WARMUP_SECONDS = 5;

  public static void main(String[] args) throws Exception {
    int workers = Integer.getInteger("workers", 2);
    int records = Integer.getInteger("records", 4);
    int seconds = Integer.getInteger("seconds", 15);
    for (String backoff : System.getProperty("backoffs", "20,1").split(",")) {
      for (String linger : System.getProperty("lingers", "0").split(",")) {
        run(backoff.trim(), Integer.parseInt(linger.trim()), workers, records, seconds);
      }
    }
  }

  private static void run(String backoff, int linger, int workers, int records, int seconds)
      throws Exception {
    Path dir = Files.createTempDirectory("txn-latency");
    try (KafkaBroker broker =
        KafkaBroker.start(dir, Map.of("add.partitions.to.txn.retry.backoff.ms", backoff))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("events", 12, (short) 1))).all().get();
      }
      byte[] value = new byte[15_000];
      new Random(1).nextBytes(value);
      for (int i = 0; i < value.length; i += 3) {
        value[i] = 'a'; // compressible, as encoded events are
      }
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      ExecutorService pool = Executors.newFixedThreadPool(workers);
      List<Future<long[][]>> results = new ArrayList<>();
      long warm = System.nanoTime() + WARMUP_SECONDS * 1_000_000_000L;
      long end = warm + seconds * 1_000_000_000L;
      for (int w = 0; w < workers; w++) {
        String id = "bench-" + w;
        results.add(
            pool.submit(
                () ->
                    transactions(
                        broker.bootstrapServers(), id, linger, value, records, warm, end)));
      }
      while (System.nanoTime() < warm) {
        Thread.sleep(10);
      }
      long cpuAtWarm = os.getProcessCpuTime();
      List<Long> flush = new ArrayList<>();
      List<Long> commit = new ArrayList<>();
      for (Future<long[][]> f : results) {
        long[][] r = f.get();
        for (long v : r[0]) {
          flush.add(v);
        }
        for (long v : r[1]) {
          commit.add(v);
        }
      }
      long cpu = os.getProcessCpuTime() - cpuAtWarm;
      pool.shutdown();
      Collections.sort(flush);
      Collections.sort(commit);
      int n = flush.size();
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %d | %d | %.0f | %.1f / %.1f | %.1f / %.1f | %.2f |%n",
          backoff,
          linger,
          workers,
          records,
          n / (double) seconds,
          ms(flush, 0.5),
          ms(flush, 0.99),
          ms(commit, 0.5),
          ms(commit, 0.99),
          cpu / 1e6 / Math.max(1, n));
    }
  }

  /** One worker's transactions: the flush and commit times of those begun after the warm-up. */
  private static long[][] transactions(
      String bootstrap, String id, int linger, byte[] value, int records, long warm, long end) {
    Map<String, Object> c = new HashMap<>();
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    c.put(ProducerConfig.LINGER_MS_CONFIG, linger);
    // As intake: the delivery time-out bounds linger plus the request time-out.
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000);
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 1_000 + linger);
    c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    List<Long> flush = new ArrayList<>();
    List<Long> commit = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        producer.beginTransaction();
        for (int i = 0; i < records; i++) {
          producer.send(new ProducerRecord<>("events", null, value));
        }
        producer.flush();
        long t1 = System.nanoTime();
        producer.commitTransaction();
        long t2 = System.nanoTime();
        if (t0 >= warm && t2 <= end) {
          flush.add(t1 - t0);
          commit.add(t2 - t1);
        }
      }
    }
    return new long[][] {
      flush.stream().mapToLong(Long::longValue).toArray(),
      commit.stream().mapToLong(Long::longValue).toArray()
    };
  }

  private static double ms(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, q * sorted.size())) / 1e6;
  }
}
