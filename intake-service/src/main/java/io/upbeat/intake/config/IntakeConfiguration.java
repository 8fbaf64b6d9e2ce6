package io.upbeat.intake.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.Topics;
import io.upbeat.intake.auth.AppTokenTable;
import io.upbeat.intake.auth.ScrubbingTable;
import io.upbeat.intake.auth.TokenFeed;
import io.upbeat.intake.auth.TokenFeedSupervisor;
import io.upbeat.intake.http.AbandonedUploads;
import io.upbeat.intake.publish.EventSink;
import io.upbeat.intake.publish.GroupCommitPublisher;
import io.upbeat.intake.publish.PublisherMetrics;
import io.upbeat.intake.ratelimit.AppRateLimiter;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.PayloadParser;
import io.upbeat.intake.validate.RequestBudget;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

/** Wires intake's plain-Java parts to Spring, Kafka and Micrometer. */
@Configuration(proxyBeanMethods = false)
class IntakeConfiguration {
  /** Bodies abandoned at their read deadline are not read further once answered. */
  @Bean
  WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> abandonedUploads() {
    return factory -> factory.addEngineValves(AbandonedUploads.valve());
  }

  @Bean
  IntakeLimits intakeLimits(IntakeProperties properties) {
    return properties.limits().toLimits();
  }

  @Bean
  RequestBudget requestBudget(IntakeProperties properties) {
    return properties.budget().toBudget();
  }

  @Bean
  EventSink eventSink(
      AppRateLimiter rateLimiter,
      GroupCommitPublisher publisher,
      Topics topics,
      ScrubbingTable scrubbing,
      MeterRegistry meters) {
    return new EventSink(rateLimiter, publisher::publish, topics, scrubbing::forApp, meters);
  }

  @Bean
  PayloadParser payloadParser(IntakeLimits limits) {
    return new PayloadParser(limits);
  }

  @Bean
  AppRateLimiter appRateLimiter(IntakeProperties properties, IntakeLimits limits) {
    return new AppRateLimiter(
        properties.eventsPerSecondPerApp(), limits.maxEvents(), System::nanoTime);
  }

  /** See {@link Topics#EVENTS_CONFIG}. */
  @Bean
  NewTopic eventsTopic(Topics topics, IntakeProperties properties) {
    return TopicBuilder.name(topics.events())
        .partitions(properties.eventsTopicPartitions())
        .configs(Topics.EVENTS_CONFIG)
        .build();
  }

  /** Declared here too, so intake starts cleanly before api-service ever ran. */
  @Bean
  NewTopic appTokensTopic(Topics topics) {
    return TopicBuilder.name(topics.appTokens())
        .partitions(Topics.APP_TOKENS_PARTITIONS)
        .configs(Topics.APP_TOKENS_CONFIG)
        .build();
  }

  @Bean
  AppTokenTable appTokenTable() {
    return new AppTokenTable();
  }

  @Bean
  ScrubbingTable scrubbingTable() {
    return new ScrubbingTable();
  }

  /**
   * A new consumer of the app-token topic for each token feed (see {@link TokenFeedSupervisor}).
   */
  @Bean
  TokenFeedConsumers tokenFeedConsumers(KafkaConnectionDetails kafka) {
    return () -> {
      Map<String, Object> config = new HashMap<>();
      config.put("bootstrap.servers", String.join(",", kafka.getConsumer().getBootstrapServers()));
      config.put("client.id", "intake-tokens-" + UUID.randomUUID());
      return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    };
  }

  @Bean
  TokenFeedLifecycle tokenFeed(
      TokenFeedConsumers consumers,
      Topics topics,
      AppTokenTable table,
      ScrubbingTable scrubbing,
      @Value("${upbeat.intake.token-feed-restart-delay:5s}") Duration restartDelay,
      MeterRegistry meters) {
    return new TokenFeedLifecycle(
        new TokenFeedSupervisor(
            () -> new TokenFeed(consumers.create(), topics.appTokens(), table, scrubbing, meters),
            restartDelay));
  }

  /**
   * Part of readiness: OUT_OF_SERVICE while the token table loads (a valid token could still be
   * unknown), DOWN when the feed failed (tokens created or revoked since are unknown) until a new
   * feed has caught up.
   */
  @Bean
  HealthIndicator appTokensHealthIndicator(TokenFeedLifecycle feed) {
    return () -> {
      TokenFeedSupervisor.State state = feed.supervisor().state();
      Health.Builder health =
          switch (state.phase()) {
            case FOLLOWING -> Health.up();
            case LOADING -> Health.outOfService().withDetail("reason", "loading app tokens");
            case FAILED ->
                Health.down()
                    .withDetail(
                        "reason",
                        "the app-token feed failed; restarting it and reloading the tokens");
          };
      if (state.failure() != null) {
        health.withDetail("lastFailure", state.failure()).withDetail("restarts", state.restarts());
      }
      return health.build();
    };
  }

  @Bean(destroyMethod = "close")
  GroupCommitPublisher publisher(
      KafkaConnectionDetails kafka, IntakeProperties properties, MeterRegistry meters) {
    IntakeProperties.Publish publish = properties.publish();
    String instance = UUID.randomUUID().toString();
    AtomicInteger generation = new AtomicInteger();
    Map<String, Object> base = new HashMap<>();
    base.put(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        String.join(",", kafka.getProducer().getBootstrapServers()));
    base.put(ProducerConfig.ACKS_CONFIG, "all");
    base.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    base.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    base.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.EVENTS_MAX_RECORD_BYTES);
    base.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    base.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // Kafka slow or down must surface within the request's budget, never hang it: a request
    // waits 3/4 of it for a transaction to take it, and once taken at most 1/4 more for the
    // outcome; the producer's own time-outs fit inside.
    Duration budget = publish.timeout();
    Duration wait = budget.multipliedBy(3).dividedBy(4);
    Duration grace = budget.minus(wait);
    int kafkaTimeoutMs = (int) Math.max(250, budget.toMillis() / 2);
    base.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, kafkaTimeoutMs);
    base.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, kafkaTimeoutMs);
    base.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, kafkaTimeoutMs);
    base.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
    return new GroupCommitPublisher(
        () -> {
          Map<String, Object> config = new HashMap<>(base);
          config.put(
              ProducerConfig.TRANSACTIONAL_ID_CONFIG,
              "upbeat-intake-" + instance + "-" + generation.incrementAndGet());
          return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        },
        publish.workers(),
        publish.queueCapacity(),
        publish.maxRequestsPerTransaction(),
        publish.linger(),
        wait,
        grace,
        new PublisherMetrics(meters));
  }

  /** A consumer for one token feed: every instance reads the whole topic, without a group. */
  @FunctionalInterface
  interface TokenFeedConsumers {
    Consumer<String, byte[]> create();
  }

  /** Runs the token feed (restarted when it fails) for the life of the application. */
  static final class TokenFeedLifecycle implements SmartLifecycle {
    private final TokenFeedSupervisor supervisor;

    TokenFeedLifecycle(TokenFeedSupervisor supervisor) {
      this.supervisor = supervisor;
    }

    TokenFeedSupervisor supervisor() {
      return supervisor;
    }

    @Override
    public void start() {
      supervisor.start();
    }

    @Override
    public void stop() {
      supervisor.stop();
    }

    @Override
    public boolean isRunning() {
      return supervisor.isRunning();
    }
  }
}
