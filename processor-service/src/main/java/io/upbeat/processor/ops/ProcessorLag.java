package io.upbeat.processor.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far each pipeline is behind, measured where its progress really is: the pipelines commit
 * their offsets to PostgreSQL with their effects ({@code processor_offsets}), never to Kafka, so
 * the consumer's own lag metric (from its fetch position) says what was fetched, not what was
 * stored. Here lag is the partition's last stable offset minus the offset stored for the pipeline
 * (or the log start, if nothing is stored yet or retention passed it): the records a crash now
 * would have to read again, plus those not read yet.
 *
 * <p>Also the number of records in the dead-letter topic. One refresh costs two Kafka list-offsets
 * requests per topic and one indexed query, whatever the traffic.
 */
public final class ProcessorLag {
  static final String STORED =
      "SELECT pipeline, partition, next_offset FROM processor_offsets WHERE topic = ?";

  private final Admin admin;
  private final DataSource db;
  private final String topic;
  private final String deadLetterTopic;
  private final List<String> pipelines;
  private final long timeoutMs;
  private final MeterRegistry meters;
  private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();
  private final AtomicLong deadLetters = new AtomicLong();

  /**
   * @param pipelines the pipelines whose lag is reported, each for every partition of {@code topic}
   * @param timeoutMs how long one Kafka request may take before the refresh fails (and the gauges
   *     keep their last values)
   */
  public ProcessorLag(
      Admin admin,
      DataSource db,
      String topic,
      String deadLetterTopic,
      List<String> pipelines,
      long timeoutMs,
      MeterRegistry meters) {
    if (timeoutMs <= 0) {
      throw new IllegalArgumentException("timeout must be positive: " + timeoutMs);
    }
    this.admin = admin;
    this.db = db;
    this.topic = topic;
    this.deadLetterTopic = deadLetterTopic;
    this.pipelines = List.copyOf(pipelines);
    this.timeoutMs = timeoutMs;
    this.meters = meters;
    Gauge.builder("upbeat.processor.deadletter.records", deadLetters, AtomicLong::get)
        .description("Records in the dead-letter topic (retained, replayable)")
        .register(meters);
  }

  /**
   * Reads the offsets again and updates the gauges.
   *
   * @throws SQLException if PostgreSQL cannot say where the pipelines are (gauges unchanged)
   * @throws IllegalStateException if Kafka does not answer in time (gauges unchanged)
   */
  public void refresh() throws SQLException {
    Span events = span(topic);
    Span dlq = span(deadLetterTopic);
    Map<String, Map<Integer, Long>> stored = stored();
    for (String pipeline : pipelines) {
      Map<Integer, Long> offsets = stored.getOrDefault(pipeline, Map.of());
      for (Map.Entry<Integer, Long> end : events.end().entrySet()) {
        int partition = end.getKey();
        long start = events.start().getOrDefault(partition, 0L);
        long from = Math.max(offsets.getOrDefault(partition, start), start);
        gauge(pipeline, partition).set(Math.max(0, end.getValue() - from));
      }
    }
    long dead = 0;
    for (Map.Entry<Integer, Long> end : dlq.end().entrySet()) {
      dead += Math.max(0, end.getValue() - dlq.start().getOrDefault(end.getKey(), 0L));
    }
    deadLetters.set(dead);
  }

  /** The lag last measured, or -1 if it never was. */
  public long lag(String pipeline, int partition) {
    AtomicLong value = lag.get(pipeline + "/" + partition);
    return value == null ? -1 : value.get();
  }

  private AtomicLong gauge(String pipeline, int partition) {
    return lag.computeIfAbsent(
        pipeline + "/" + partition,
        k -> {
          AtomicLong value = new AtomicLong();
          Gauge.builder("upbeat.processor.lag", value, AtomicLong::get)
              .description(
                  "Records of the events topic not yet stored by the pipeline (log end minus the"
                      + " offset it committed to PostgreSQL)")
              .tag("pipeline", pipeline)
              .tag("partition", String.valueOf(partition))
              .register(meters);
          return value;
        });
  }

  private Map<String, Map<Integer, Long>> stored() throws SQLException {
    Map<String, Map<Integer, Long>> stored = new HashMap<>();
    try (Connection c = db.getConnection();
        PreparedStatement st = c.prepareStatement(STORED)) {
      st.setQueryTimeout((int) Math.max(1, TimeUnit.MILLISECONDS.toSeconds(timeoutMs)));
      st.setString(1, topic);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          stored
              .computeIfAbsent(rs.getString(1), k -> new HashMap<>())
              .put(rs.getInt(2), rs.getLong(3));
        }
      }
    }
    return stored;
  }

  /** A topic's log start and last stable offset per partition (empty if it does not exist). */
  private record Span(Map<Integer, Long> start, Map<Integer, Long> end) {}

  private Span span(String name) {
    try {
      var description =
          admin
              .describeTopics(List.of(name))
              .allTopicNames()
              .get(timeoutMs, TimeUnit.MILLISECONDS)
              .get(name);
      List<TopicPartition> partitions = new ArrayList<>();
      description
          .partitions()
          .forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
      return new Span(
          offsets(partitions, OffsetSpec.earliest()), offsets(partitions, OffsetSpec.latest()));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
        return new Span(Map.of(), Map.of());
      }
      throw new IllegalStateException("cannot read the offsets of " + name, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer for " + name + " in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private Map<Integer, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(tp -> request.put(tp, spec));
    // read_committed: the pipelines read committed records only, and stop at the last stable
    // offset; an open intake transaction is not lag yet.
    var result =
        admin
            .listOffsets(
                request,
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED).timeoutMs((int) timeoutMs))
            .all()
            .get(timeoutMs, TimeUnit.MILLISECONDS);
    Map<Integer, Long> offsets = new HashMap<>();
    result.forEach((tp, info) -> offsets.put(tp.partition(), info.offset()));
    return offsets;
  }
}
