package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestStack;
import io.upbeat.storage.Schema;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The processor's exactly-once promise under real crashes: the processor jar runs in its own JVM
 * while events keep arriving, and is killed with SIGKILL at random moments, three times. After the
 * last restart catches up, the stored counts and sums equal exactly what was sent: nothing lost,
 * nothing counted twice.
 */
class ITProcessorCrash {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final int BATCHES = 300;
  private static final int PER_BATCH = 10;
  private final UUID app = UUID.randomUUID();
  private Process processor;

  @AfterEach
  void kill() {
    if (processor != null) {
      processor.destroyForcibly();
    }
  }

  @Test
  void sigkillAtRandomMomentsNeitherLosesNorDoubleCounts() throws Exception {
    TestStack s = stack.stack();
    DataSource db = s.dataSource();
    Schema.flyway(db).migrate(); // what api-service does at its start

    Random random = new Random(42);
    Thread producer = Thread.ofPlatform().start(() -> produce(s, BATCHES));
    processor = startProcessor(s);
    long committed = 0;
    for (int kill = 0; kill < 3; kill++) {
      // Kill only a processor that is committing: its next flush may be half done.
      long before = committed;
      // The first start may be slow (a cold JVM on a busy machine). After a kill, the new
      // processor must resume within the dead member's session timeout (10 s) plus its own start:
      // with Kafka's default 45 s session the groups would still be waiting for the dead member.
      Duration resume = kill == 0 ? Duration.ofSeconds(90) : Duration.ofSeconds(40);
      await().atMost(resume).until(() -> storedCount(s) > before);
      committed = storedCount(s);
      long pause = 500 + random.nextInt(2000);
      await()
          .pollDelay(Duration.ofMillis(pause))
          .atMost(Duration.ofMillis(pause + 1000))
          .until(() -> true);
      processor.destroyForcibly(); // SIGKILL: no shutdown hook, no final flush
      assertThat(processor.waitFor(30, TimeUnit.SECONDS)).isTrue();
      processor = startProcessor(s);
    }
    producer.join(120_000);

    long expectedCount = (long) BATCHES * PER_BATCH;
    double expectedSum = BATCHES * sumOfDurations();
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(() -> assertThat(storedCount(s)).isEqualTo(expectedCount));
    assertThat(storedSum(s)).isEqualTo(expectedSum);
    // The errors pipeline, with its own offsets, is exact too: one error per batch, one group.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        queryDouble(
                                s,
                                "SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '"
                                    + app
                                    + "'")
                            .longValue())
                    .isEqualTo(BATCHES));
    assertThat(queryDouble(s, "SELECT count(*) FROM error_groups WHERE app_id = '" + app + "'"))
        .isEqualTo(1.0);
  }

  private static double sumOfDurations() {
    double sum = 0;
    for (int i = 1; i <= PER_BATCH; i++) {
      sum += i;
    }
    return sum;
  }

  private void produce(TestStack s, int batches) {
    Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int b = 0; b < batches; b++) {
        List<TransactionEvent> txns = new ArrayList<>();
        for (int i = 1; i <= PER_BATCH; i++) {
          txns.add(
              new TransactionEvent(
                  null,
                  null,
                  "GET /t" + (i % 4),
                  "request",
                  minute.plusSeconds(i),
                  i,
                  null,
                  "success",
                  List.of(),
                  null));
        }
        EventBatch batch =
            new EventBatch(
                UUID.randomUUID(),
                app,
                Instant.now(),
                new ServiceInfo("shop", null, null, null, null, null, null),
                txns,
                List.of(
                    new ErrorEvent(
                        null,
                        minute.plusSeconds(b % 60),
                        null,
                        null,
                        "error",
                        null,
                        new ExceptionInfo(
                            "java.lang.IllegalStateException",
                            "batch " + b,
                            List.of(new StackFrame("com.shop.Jobs", "run", null, null, b, true)),
                            null),
                        null,
                        null)));
        producer
            .send(new ProducerRecord<>(s.topic("upbeat.events"), EventBatchCodec.encode(batch)))
            .get();
        Thread.sleep(80); // spread over ~25 s, so kills land mid-stream
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Process startProcessor(TestStack s) throws IOException {
    Path jar = Repository.root().resolve("processor-service/target/processor-service.jar");
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            jar.toString());
    pb.environment()
        .putAll(
            Map.of(
                "SERVER_PORT", String.valueOf(FreePorts.pick()),
                "SPRING_KAFKA_BOOTSTRAP_SERVERS", s.bootstrapServers(),
                "SPRING_DATASOURCE_URL", s.jdbcUrl(),
                "SPRING_DATASOURCE_USERNAME", s.username(),
                "SPRING_DATASOURCE_PASSWORD", s.password(),
                "UPBEAT_KAFKA_TOPIC_PREFIX", s.topicPrefix(),
                "UPBEAT_PROCESSOR_FLUSH_INTERVAL", "200ms"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    return pb.start();
  }

  private long storedCount(TestStack s) throws Exception {
    return queryDouble(
            s,
            "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name <> ''"
                + " AND app_id = '"
                + app
                + "'")
        .longValue();
  }

  private double storedSum(TestStack s) throws Exception {
    return queryDouble(
        s,
        "SELECT coalesce(sum(sum_ms), 0) FROM txn_metrics_1m WHERE txn_name <> ''"
            + " AND app_id = '"
            + app
            + "'");
  }

  private static Double queryDouble(TestStack s, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(s.jdbcUrl(), s.username(), s.password());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getDouble(1);
    }
  }
}
