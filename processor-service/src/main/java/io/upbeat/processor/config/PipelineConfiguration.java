package io.upbeat.processor.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.Topics;
import io.upbeat.processor.consume.DeletedApps;
import io.upbeat.processor.consume.EventPipeline;
import io.upbeat.processor.consume.IdempotencyKeys;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.ReadDelay;
import io.upbeat.processor.consume.Rereads;
import io.upbeat.processor.errors.ErrorCounts;
import io.upbeat.processor.errors.ErrorStore;
import io.upbeat.processor.errors.ErrorUsers;
import io.upbeat.processor.errors.ErrorWork;
import io.upbeat.processor.errors.InAppRules;
import io.upbeat.processor.errors.Wrappers;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import io.upbeat.processor.rollup.RollupScheduler;
import io.upbeat.processor.rollup.Rollups;
import io.upbeat.processor.samples.SampleStore;
import io.upbeat.processor.samples.SampleWork;
import io.upbeat.support.kafka.KafkaClientConfig;
import io.upbeat.support.kafka.KafkaTopics;
import io.upbeat.support.kafka.UpbeatKafkaProperties;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.scheduling.annotation.Scheduled;

/** Wires the processor's pipelines to Kafka, PostgreSQL and Micrometer. */
@Configuration(proxyBeanMethods = false)
class PipelineConfiguration {
  static final String METRICS_PIPELINE = "metrics";
  static final String ERRORS_PIPELINE = "errors";
  static final String SAMPLES_PIPELINE = "samples";
  static final String TAIL_PIPELINE = "tail";

  /** A pipeline consumer's fetch from one partition, at most (but one record larger than it). */
  static final int MAX_PARTITION_FETCH_BYTES = 1024 * 1024;

  /** A pipeline consumer's fetch response, at most (but one record larger than it). */
  static final int MAX_FETCH_BYTES = 4 * 1024 * 1024;

  /**
   * The events topic the pipelines read (its partitions shared with intake: {@code
   * upbeat.kafka.topics.events.partitions}) and the dead-letter topic (see {@link
   * Topics#EVENTS_DEAD_LETTER_CONFIG}), created or checked before the pipelines start, so the
   * processor may start before intake ever ran; part of readiness.
   */
  @Bean
  KafkaTopics kafkaTopics(KafkaClientConfig clients, UpbeatKafkaProperties kafka, Topics topics) {
    return new KafkaTopics(
        clients.admin(),
        kafka.createTopics(),
        List.of(kafka.eventsTopic(topics), kafka.eventsDeadLetterTopic(topics)),
        Duration.ofSeconds(5));
  }

  /**
   * The apps whose events are dropped, read before any pipeline starts (after the schema check), so
   * a processor that starts behind never stores a deleted app's events.
   */
  @Bean
  @DependsOn("flywayInitializer")
  DeletedApps deletedApps(DataSource dataSource, MeterRegistry meters) throws SQLException {
    DeletedApps deleted = new DeletedApps(dataSource);
    deleted.refresh();
    meters.gauge("upbeat.processor.deleted.apps", deleted, DeletedApps::size);
    return deleted;
  }

  @Bean
  DeletedAppsRefresh deletedAppsRefresh(DeletedApps deletedApps) {
    return new DeletedAppsRefresh(deletedApps);
  }

  /** Keeps {@link DeletedApps} current; a failed read keeps the set it had (it only grows). */
  static final class DeletedAppsRefresh {
    private static final Logger log = LoggerFactory.getLogger(DeletedAppsRefresh.class);
    private final DeletedApps deletedApps;

    DeletedAppsRefresh(DeletedApps deletedApps) {
      this.deletedApps = deletedApps;
    }

    @Scheduled(
        fixedDelayString = "${upbeat.processor.deleted-apps-refresh:5s}",
        initialDelayString = "${upbeat.processor.deleted-apps-refresh:5s}")
    void refresh() {
      try {
        deletedApps.refresh();
      } catch (SQLException | RuntimeException e) {
        log.warn("Cannot read the deleted apps; keeping the last set: {}", e.toString());
      }
    }
  }

  @Bean
  IdempotencyKeysRetention idempotencyKeysRetention(DataSource dataSource, Clock clock) {
    return new IdempotencyKeysRetention(new IdempotencyKeys(dataSource, clock));
  }

  /**
   * Deletes idempotency keys past their 24 hours (a retry after that counts again anyway), in
   * bounded batches so no statement holds many locks or runs long; every processor runs it, and
   * {@link IdempotencyKeys#deleteExpired} skips rows another one is deleting.
   */
  static final class IdempotencyKeysRetention {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeysRetention.class);
    static final int BATCH = 5_000;
    static final int MAX_BATCHES_PER_RUN = 200;
    private final IdempotencyKeys keys;

    IdempotencyKeysRetention(IdempotencyKeys keys) {
      this.keys = keys;
    }

    @Scheduled(
        fixedDelayString = "${upbeat.processor.idempotency-keys-retention:10m}",
        initialDelayString = "${upbeat.processor.idempotency-keys-retention:10m}")
    void deleteExpired() {
      try {
        for (int i = 0; i < MAX_BATCHES_PER_RUN && keys.deleteExpired(BATCH) == BATCH; i++) {
          // A full batch: more may be expired.
        }
      } catch (SQLException | RuntimeException e) {
        log.warn(
            "Cannot delete expired idempotency keys; retrying at the next run: {}", e.toString());
      }
    }
  }

  @Bean
  PipelineLifecycle metricsPipeline(
      KafkaClientConfig kafka,
      DeletedApps deletedApps,
      Topics topics,
      DataSource dataSource,
      ProcessorProperties properties,
      Clock clock,
      MeterRegistry meters) {
    return new PipelineLifecycle(
        new EventPipeline<>(
            METRICS_PIPELINE,
            EventBatchCodec.Parts.TRANSACTION_TIMINGS,
            consumer(kafka, METRICS_PIPELINE),
            () -> deadLetterProducer(kafka),
            topics.eventsDeadLetter(),
            topics.events(),
            new LedgerStore<>(
                new OffsetLedger(dataSource, METRICS_PIPELINE, clock),
                new MetricsStore(dataSource, properties.minuteRetentionDays())),
            MetricsWork.factory(
                new NameLimiter(properties.maxTransactionNamesPerMinute()),
                clock,
                properties.minuteRetentionDays(),
                meters),
            deletedApps,
            ReadDelay.NONE,
            rereads(kafka, topics.events()),
            clock,
            properties.flushInterval(),
            meters));
  }

  @Bean
  PipelineLifecycle errorsPipeline(
      KafkaClientConfig kafka,
      DeletedApps deletedApps,
      Topics topics,
      DataSource dataSource,
      ProcessorProperties properties,
      TraceProperties traces,
      Clock clock,
      MeterRegistry meters) {
    InAppRules inApp = new InAppRules();
    Wrappers wrappers = new Wrappers(properties.errors().wrapperTypes());
    return new PipelineLifecycle(
        new EventPipeline<>(
            ERRORS_PIPELINE,
            EventBatchCodec.Parts.ERRORS,
            consumer(kafka, ERRORS_PIPELINE),
            () -> deadLetterProducer(kafka),
            topics.eventsDeadLetter(),
            topics.events(),
            new LedgerStore<>(
                new OffsetLedger(dataSource, ERRORS_PIPELINE, clock),
                new ErrorStore(
                    properties.occurrencesPerGroup(),
                    inApp,
                    wrappers,
                    new ErrorCounts(dataSource, properties.minuteRetentionDays()),
                    new ErrorUsers(dataSource, properties.hourRetentionDays()))),
            ErrorWork.factory(
                properties.occurrencesPerGroup(),
                meters,
                inApp,
                wrappers,
                TailConfiguration.policy(traces, ERRORS_PIPELINE, clock, meters)),
            deletedApps,
            ReadDelay.NONE,
            rereads(kafka, topics.events()),
            clock,
            properties.flushInterval(),
            meters));
  }

  /** Sampled transactions with their spans: the traces behind the metrics. */
  @Bean
  PipelineLifecycle samplesPipeline(
      KafkaClientConfig kafka,
      DeletedApps deletedApps,
      Topics topics,
      DataSource dataSource,
      ProcessorProperties properties,
      TraceProperties traces,
      Clock clock,
      MeterRegistry meters) {
    return new PipelineLifecycle(
        new EventPipeline<>(
            SAMPLES_PIPELINE,
            EventBatchCodec.Parts.SAMPLES,
            consumer(kafka, SAMPLES_PIPELINE),
            () -> deadLetterProducer(kafka),
            topics.eventsDeadLetter(),
            topics.events(),
            new LedgerStore<>(
                new OffsetLedger(dataSource, SAMPLES_PIPELINE, clock),
                new SampleStore(dataSource, properties.sampleRetentionDays())),
            SampleWork.factory(
                properties.samplesPerMinute(),
                properties.samples().maxPerAppMinute(),
                clock,
                properties.sampleRetentionDays(),
                meters,
                TailConfiguration.policy(traces, SAMPLES_PIPELINE, clock, meters)),
            deletedApps,
            ReadDelay.NONE,
            rereads(kafka, topics.events()),
            clock,
            properties.flushInterval(),
            meters));
  }

  @Bean
  RollupScheduler rollupScheduler(
      DataSource dataSource, ProcessorProperties properties, Clock clock, MeterRegistry meters) {
    return new RollupScheduler(
        new Rollups(
            dataSource,
            new Rollups.Retention(
                properties.minuteRetentionDays(),
                properties.hourRetentionDays(),
                properties.dayRetentionDays())),
        clock,
        meters);
  }

  /**
   * DOWN when a pipeline's thread has died: the process would look healthy while nothing is
   * processed, so this is part of liveness and the orchestrator restarts the service. A pipeline
   * that Kafka refuses (its login, its rights) stays UP here, with why in its detail: a restart
   * would not help, and it polls again by itself; readiness is DOWN by the Kafka check meanwhile.
   */
  @Bean
  HealthIndicator pipelinesHealthIndicator(List<PipelineLifecycle> pipelines) {
    return () -> {
      Health.Builder health = Health.up();
      for (PipelineLifecycle p : pipelines) {
        if (!p.isRunning()) {
          health.down();
        }
        health.withDetail(
            p.pipeline.name(),
            !p.isRunning()
                ? "stopped"
                : p.pipeline
                    .refusal()
                    .map(r -> "running; Kafka refuses it: " + r)
                    .orElse("running"));
      }
      return health.build();
    };
  }

  /**
   * A consumer for one pipeline: the service's {@code spring.kafka.*} consumer settings (security
   * included), its own group, offsets outside Kafka, committed records only.
   */
  static KafkaConsumer<byte[], byte[]> consumer(KafkaClientConfig kafka, String pipeline) {
    Map<String, Object> config = readerConfig(kafka, "processor-" + pipeline);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "upbeat-processor-" + pipeline);
    // Offsets are always sought from PostgreSQL; should one be out of range all the same, the
    // oldest retained records are read rather than skipped.
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // A processor killed without leaving its groups stalls every member of them until its
    // session expires: 10 s (Kafka's default before 3.0) rather than today's 45 s. Heartbeats come
    // from the consumer's own thread, so a long flush does not expire it; only a process paused
    // longer than this (a long GC, a starved node) costs a rebalance. An operator's
    // spring.kafka.consumer.properties.session.timeout.ms wins.
    config.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
    // Under load, fetch in larger bites: by default every intake commit wakes each pipeline's
    // pending fetch for a few records, one broker round trip (and one fetch session update) each.
    // Waiting up to 200 ms for 256 KiB costs at most that in freshness (the flush is every second).
    config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 256 * 1024);
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 200);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * What every reader of the events topic shares, a pipeline's consumer and its re-reads: the
   * service's {@code spring.kafka.*} consumer settings (security included), no group of their own
   * yet, offsets outside Kafka, committed records only, bounded fetches.
   */
  private static Map<String, Object> readerConfig(KafkaClientConfig kafka, String clientId) {
    Map<String, Object> config = kafka.consumer();
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    // Offsets live in PostgreSQL with the effects; Kafka's committed offsets are not used.
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Only committed intake transactions: an aborted request was answered 503 and must not count.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Bounded fetches: a pipeline that is behind (after an outage, or under load) would otherwise
    // hold a 50 MiB fetch response (fetch.max.bytes, 16 MiB a partition) per consumer beside the
    // records it keeps until its flush: four pipelines filled a 512 MiB heap and spent most of
    // their CPU in full collections. A record larger than these limits is still returned, alone
    // (the first batch of a fetch always is), so the largest record intake writes is read all the
    // same.
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_PARTITION_FETCH_BYTES);
    config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, MAX_FETCH_BYTES);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + UUID.randomUUID());
    return config;
  }

  /**
   * How a pipeline holds its uncommitted records: without their values, read again from {@code
   * topic} by a consumer of its own (no group) when needed whole.
   */
  static Rereads rereads(KafkaClientConfig kafka, String topic) {
    return new Rereads(
        topic,
        () ->
            new KafkaConsumer<>(
                readerConfig(kafka, "processor-reread"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer()),
        Duration.ofSeconds(30));
  }

  static KafkaProducer<byte[], byte[]> deadLetterProducer(KafkaClientConfig kafka) {
    Map<String, Object> config = kafka.producer();
    config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.EVENTS_MAX_RECORD_BYTES);
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Runs a pipeline on its own thread for the life of the application. */
  static final class PipelineLifecycle implements SmartLifecycle {
    private final EventPipeline<?> pipeline;
    private Thread thread;

    PipelineLifecycle(EventPipeline<?> pipeline) {
      this.pipeline = pipeline;
    }

    @Override
    public void start() {
      thread = Thread.ofPlatform().name("processor-" + pipeline.name()).start(pipeline);
    }

    @Override
    public void stop() {
      pipeline.stop();
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public boolean isRunning() {
      return thread != null && thread.isAlive();
    }
  }
}
