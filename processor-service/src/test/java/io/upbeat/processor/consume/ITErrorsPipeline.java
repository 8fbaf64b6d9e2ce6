package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestStack;
import io.upbeat.processor.errors.ErrorCounts;
import io.upbeat.processor.errors.ErrorStore;
import io.upbeat.processor.errors.ErrorWork;
import io.upbeat.processor.errors.InAppRules;
import io.upbeat.processor.errors.Wrappers;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The errors pipeline on the real broker and database: occurrences of one bug from several
 * partitions and releases land in one group with exact counts, first and last seen and release,
 * hourly counts, and only the newest occurrences kept in full; a restart adds exactly.
 */
class ITErrorsPipeline {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final int KEEP = 5;
  private final UUID app = UUID.randomUUID();
  private final Instant hour =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));

  @Test
  void groupsErrorsExactlyAcrossPartitionsReleasesAndRestarts() throws Exception {
    TestStack s = stack.stack();
    String topic = s.topic("upbeat.events");
    DataSource db = s.dataSource();
    Schema.flyway(db).migrate();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 3, (short) 1),
                  new NewTopic(s.topic("upbeat.events.dlq"), 1, (short) 1)))
          .all()
          .get();
    }

    // 12 occurrences of one NPE (lines and messages differ) over two hours and two releases,
    // and 3 errors the agent fingerprinted itself.
    for (int i = 0; i < 12; i++) {
      send(s, topic, i % 3, i < 6 ? "1.0" : "1.1", npe(hour.plusSeconds(600L * i), 40 + i));
    }
    for (int i = 0; i < 3; i++) {
      send(s, topic, i, "1.1", fingerprinted(hour.plusSeconds(60L * i)));
    }
    // Older than the minute retention: grouped, but has no minute partition to be counted in.
    send(s, topic, 2, null, fingerprinted(hour.minus(Duration.ofDays(30))));
    Running first = start(s, topic, db);
    awaitGroups(db, 12, 4);
    first.stop();

    send(s, topic, 1, "1.2", npe(hour.plusSeconds(7_000), 99));
    Running second = start(s, topic, db);
    awaitGroups(db, 13, 4);
    second.stop();

    try (Connection c = db.getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery(
              "SELECT id, first_seen, last_seen, first_release, last_release, culprit, message"
                  + " FROM error_groups WHERE app_id = '"
                  + app
                  + "' AND count = 13")) {
        assertThat(rs.next()).isTrue();
        UUID group = rs.getObject(1, UUID.class);
        assertThat(rs.getTimestamp(2).toInstant()).isEqualTo(hour);
        assertThat(rs.getTimestamp(3).toInstant()).isEqualTo(hour.plusSeconds(7_000));
        assertThat(rs.getString(4)).isEqualTo("1.0");
        assertThat(rs.getString(5)).isEqualTo("1.2");
        assertThat(rs.getString(6)).isEqualTo("com.shop.UserService.find");
        assertThat(rs.getString(7)).isEqualTo("user 99 is null");
        assertThat(
                longs(
                    c,
                    "SELECT count FROM error_hourly WHERE group_id = '"
                        + group
                        + "' ORDER BY hour"))
            .containsExactly(6L, 7L); // 0..3000 s, then 3600..7000 s
        assertThat(
                longs(
                    c,
                    "SELECT extract(epoch FROM occurred_at)::bigint FROM error_occurrences"
                        + " WHERE group_id = '"
                        + group
                        + "' ORDER BY occurred_at DESC"))
            .hasSize(KEEP)
            .first()
            .isEqualTo(hour.plusSeconds(7_000).getEpochSecond());
        // Each occurrence keeps its place in its trace (M15's trace view reads it).
        try (Statement q = c.createStatement();
            ResultSet ids =
                q.executeQuery(
                    "SELECT trace_id, transaction_id, parent_id FROM error_occurrences"
                        + " WHERE group_id = '"
                        + group
                        + "' ORDER BY occurred_at DESC LIMIT 1")) {
          assertThat(ids.next()).isTrue();
          assertThat(ids.getString(1)).isEqualTo(String.format("%032x", 99));
          assertThat(ids.getString(2)).isEqualTo(String.format("%016x", 99));
          assertThat(ids.getString(3)).isEqualTo(String.format("%016x", 1099));
        }
        // Per minute and release, exactly once across the restart: 13 minutes, 6 + 6 + 1.
        assertThat(
                longs(
                    c,
                    "SELECT sum(count) FROM error_counts_1m WHERE group_id = '"
                        + group
                        + "' AND environment = 'production' GROUP BY release ORDER BY release"))
            .containsExactly(6L, 6L, 1L);
        assertThat(
                longs(
                    c,
                    "SELECT count(DISTINCT bucket) FROM error_counts_1m WHERE group_id = '"
                        + group
                        + "'"))
            .containsExactly(13L);
        assertThat(
                longs(
                    c,
                    "SELECT extract(epoch FROM min(bucket))::bigint FROM error_counts_1m"
                        + " WHERE group_id = '"
                        + group
                        + "'"))
            .containsExactly(hour.getEpochSecond());
      }
      // Errors outside any trace have no links.
      assertThat(
              longs(
                  c,
                  "SELECT count(*) FROM error_occurrences o JOIN error_groups g"
                      + " ON g.id = o.group_id WHERE g.app_id = '"
                      + app
                      + "' AND g.count <> 13 AND (o.trace_id IS NOT NULL"
                      + " OR o.transaction_id IS NOT NULL OR o.parent_id IS NOT NULL)"))
          .containsExactly(0L);
      // The fingerprinted group: its three recent minutes; the 30-day-old event is not counted.
      assertThat(
              longs(
                  c,
                  "SELECT sum(count) FROM error_counts_1m WHERE app_id = '"
                      + app
                      + "' AND group_id <> (SELECT id FROM error_groups WHERE app_id = '"
                      + app
                      + "' AND count = 13)"))
          .containsExactly(3L);
    }
  }

  private static List<Long> longs(Connection c, String sql) throws Exception {
    List<Long> values = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getLong(1));
      }
    }
    return values;
  }

  private void awaitGroups(DataSource db, long npeCount, long fingerprintedCount) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              try (Connection c = db.getConnection()) {
                assertThat(
                        longs(
                            c,
                            "SELECT count FROM error_groups WHERE app_id = '"
                                + app
                                + "' ORDER BY count"))
                    .containsExactly(fingerprintedCount, npeCount);
              }
            });
  }

  private static ErrorEvent npe(Instant at, int line) {
    return new ErrorEvent(
        null,
        at,
        String.format("%016x", line),
        "GET /users/{id}",
        "error",
        null,
        new ExceptionInfo(
            "java.lang.NullPointerException",
            "user " + line + " is null",
            List.of(
                new StackFrame("com.shop.UserService", "find", null, null, line, true),
                new StackFrame("org.springframework.Foo", "bar", null, null, 1, false)),
            null),
        null,
        "{\"user\":{\"id\":\"" + line + "\"}}",
        String.format("%032x", line),
        String.format("%016x", 1000 + line));
  }

  private static ErrorEvent fingerprinted(Instant at) {
    return new ErrorEvent(
        null,
        at,
        null,
        null,
        "error",
        null,
        new ExceptionInfo("com.shop.Timeout", "x", List.of(), null),
        List.of("db", "timeout"),
        null);
  }

  private void send(TestStack s, String topic, int partition, String release, ErrorEvent e)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", s.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      EventBatch batch =
          new EventBatch(
              UUID.randomUUID(),
              app,
              Instant.now(),
              new ServiceInfo("shop", null, release, null, null, null, null),
              List.of(),
              List.of(e));
      producer
          .send(new ProducerRecord<>(topic, partition, null, EventBatchCodec.encode(batch)))
          .get();
    }
  }

  private Running start(TestStack s, String topic, DataSource db) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventPipeline<ErrorWork> pipeline =
        new EventPipeline<>(
            "errors",
            io.upbeat.events.EventBatchCodec.Parts.ERRORS,
            new KafkaConsumer<>(
                Map.of(
                    "bootstrap.servers",
                    s.bootstrapServers(),
                    "group.id",
                    "errors-" + s.topicPrefix(),
                    "enable.auto.commit",
                    "false",
                    "isolation.level",
                    "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer()),
            new KafkaProducer<>(
                Map.of("bootstrap.servers", s.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer()),
            s.topic("upbeat.events.dlq"),
            topic,
            new LedgerStore<>(
                new OffsetLedger(db, "errors"),
                new ErrorStore(
                    KEEP, new InAppRules(), Wrappers.defaults(), new ErrorCounts(db, 7))),
            ErrorWork.factory(KEEP, meters),
            Clock.systemUTC(),
            Duration.ofMillis(200),
            meters);
    return new Running(pipeline, Thread.ofPlatform().start(pipeline));
  }

  private record Running(EventPipeline<ErrorWork> pipeline, Thread thread) {
    void stop() throws InterruptedException {
      pipeline.stop();
      thread.join(30_000);
      assertThat(thread.isAlive()).isFalse();
    }
  }
}
