package io.upbeat.processor.replay;

import io.upbeat.events.Topics;
import io.upbeat.processor.consume.EventPipeline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Puts dead letters back on the events topic once their cause is fixed (see docs/operations.md):
 * each with its original key and value and the header {@code upbeat-replay-pipeline} naming the
 * pipeline that dead-lettered it, so only that pipeline processes it again (the others processed
 * the original already). Reads the dead-letter topic up to its end when started; letters are not
 * removed, so a later replay takes {@code --since}. Duplicates of a letter (the same {@code
 * upbeat-source} and {@code upbeat-pipeline}: a retried send, a lost acknowledgement, a bisection
 * retried by another processor) are replayed once per run, the first one read.
 *
 * <pre>
 * java -cp processor-service.jar -Dloader.main=io.upbeat.processor.replay.DeadLetterReplay \
 *   org.springframework.boot.loader.launch.PropertiesLauncher \
 *   --bootstrap-servers kafka:9092 [--topic-prefix P] [--pipeline errors] [--fault data_fault] \
 *   [--since 2026-12-04T10:00:00Z] [--dry-run] [--command-config client.properties]
 * </pre>
 *
 * <p>{@code --command-config} names a Kafka client properties file, as Kafka's own tools take it:
 * {@code security.protocol}, {@code sasl.*}, {@code ssl.*} for a secured cluster.
 */
public final class DeadLetterReplay {
  private static final String PIPELINE_HEADER = EventPipeline.REPLAY_PIPELINE_HEADER;

  /**
   * What to replay. Null filters match every letter.
   *
   * @param clientConfig Kafka client settings for both the consumer and the producer (security)
   */
  public record Options(
      String bootstrapServers,
      Topics topics,
      String pipeline,
      String fault,
      Instant since,
      boolean dryRun,
      Map<String, String> clientConfig) {
    public Options {
      clientConfig = Map.copyOf(clientConfig);
    }

    static Options parse(String[] args) {
      Map<String, String> values = new HashMap<>();
      boolean dryRun = false;
      for (int i = 0; i < args.length; i++) {
        if (args[i].equals("--dry-run")) {
          dryRun = true;
        } else if (args[i].startsWith("--") && i + 1 < args.length) {
          values.put(args[i].substring(2), args[++i]);
        } else {
          throw new IllegalArgumentException("unknown argument: " + args[i]);
        }
      }
      String since = values.remove("since");
      String commandConfig = values.remove("command-config");
      Options o =
          new Options(
              values.remove("bootstrap-servers"),
              new Topics(values.remove("topic-prefix")),
              values.remove("pipeline"),
              values.remove("fault"),
              since == null ? null : Instant.parse(since),
              dryRun,
              commandConfig == null ? Map.of() : load(Path.of(commandConfig)));
      if (o.bootstrapServers == null || !values.isEmpty()) {
        throw new IllegalArgumentException(
            "usage: --bootstrap-servers HOST:PORT [--topic-prefix P] [--pipeline NAME]"
                + " [--fault undecodable|data_fault] [--since ISO-INSTANT] [--dry-run]"
                + " [--command-config FILE]; unknown: "
                + values.keySet());
      }
      return o;
    }

    private static Map<String, String> load(Path file) {
      Properties props = new Properties();
      try (var in = Files.newInputStream(file)) {
        props.load(in);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read --command-config " + file + ": " + e);
      }
      Map<String, String> config = new HashMap<>();
      props.stringPropertyNames().forEach(k -> config.put(k, props.getProperty(k)));
      return config;
    }
  }

  private DeadLetterReplay() {}

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    try (Producer<byte[], byte[]> producer = producer(options)) {
      int replayed = replay(options, producer, System.out);
      System.out.printf(
          "%s %d dead letter(s)%n", options.dryRun() ? "would replay" : "replayed", replayed);
    }
  }

  /**
   * Replays the matching dead letters present now, and waits until the broker has them.
   *
   * @return how many were (or, in a dry run, would be) replayed
   */
  public static int replay(Options o, Producer<byte[], byte[]> producer, PrintStream out) {
    String deadLetterTopic = o.topics().eventsDeadLetter();
    int replayed = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(o)) {
      List<TopicPartition> tps = new ArrayList<>();
      consumer
          .partitionsFor(deadLetterTopic)
          .forEach(p -> tps.add(new TopicPartition(deadLetterTopic, p.partition())));
      consumer.assign(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      consumer.seekToBeginning(tps);
      if (o.since() != null) {
        Map<TopicPartition, Long> at = new HashMap<>();
        tps.forEach(tp -> at.put(tp, o.since().toEpochMilli()));
        for (Map.Entry<TopicPartition, OffsetAndTimestamp> e :
            consumer.offsetsForTimes(at).entrySet()) {
          consumer.seek(
              e.getKey(), e.getValue() == null ? end.get(e.getKey()) : e.getValue().offset());
        }
      }
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      Set<List<String>> seen = new HashSet<>(); // (source, pipeline) already replayed
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> letter : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(letter.topic(), letter.partition());
          String pipeline = header(letter, "upbeat-pipeline");
          if (letter.offset() >= end.get(tp)
              || !matches(o.pipeline(), pipeline)
              || !matches(o.fault(), header(letter, "upbeat-fault"))) {
            continue;
          }
          String source = header(letter, "upbeat-source");
          if (source != null && !seen.add(Arrays.asList(source, pipeline))) {
            out.printf(
                "%s@%d: duplicate of %s, pipeline %s: skipped%n",
                letter.topic(), letter.offset(), source, pipeline);
            continue;
          }
          out.printf(
              "%s@%d: %s of %s (%s, SQLState %s), pipeline %s%n",
              letter.topic(),
              letter.offset(),
              header(letter, "upbeat-fault"),
              header(letter, "upbeat-source"),
              header(letter, "upbeat-reason"),
              header(letter, "upbeat-sqlstate"),
              pipeline);
          replayed++;
          if (!o.dryRun()) {
            ProducerRecord<byte[], byte[]> again =
                new ProducerRecord<>(o.topics().events(), null, letter.key(), letter.value());
            if (pipeline != null) {
              again.headers().add(PIPELINE_HEADER, pipeline.getBytes(StandardCharsets.UTF_8));
            }
            sent.add(producer.send(again));
          }
        }
      }
      for (java.util.concurrent.Future<?> f : sent) {
        f.get(); // durable before this reports success
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("replay failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("replay interrupted", e);
    }
    return replayed;
  }

  private static boolean matches(String wanted, String actual) {
    return wanted == null || wanted.equals(actual);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Options o) {
    Map<String, Object> config = new HashMap<>(o.clientConfig());
    config.put("bootstrap.servers", o.bootstrapServers());
    config.put("enable.auto.commit", "false");
    config.put("isolation.level", "read_committed");
    config.put("max.partition.fetch.bytes", Topics.EVENTS_MAX_RECORD_BYTES);
    config.remove("group.id");
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  static KafkaProducer<byte[], byte[]> producer(Options o) {
    Map<String, Object> config = new HashMap<>(o.clientConfig());
    config.put("bootstrap.servers", o.bootstrapServers());
    config.put("acks", "all");
    config.put("enable.idempotence", true);
    config.put("max.request.size", Topics.EVENTS_MAX_RECORD_BYTES);
    config.remove("transactional.id");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
