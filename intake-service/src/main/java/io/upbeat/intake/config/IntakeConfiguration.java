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
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.PayloadParser;
import io.upbeat.intake.validate.RequestBudget;
import io.upbeat.support.kafka.KafkaClientConfig;
import io.upbeat.support.kafka.KafkaTopics;
import io.upbeat.support.kafka.UpbeatKafkaProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires intake's plain-Java parts to Spring, Kafka and Micrometer. */
@Configuration(proxyBeanMethods = false)
class IntakeConfiguration {
  private static final Logger log = LoggerFactory.getLogger(IntakeConfiguration.class);

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
      IntakeProperties properties,
      MeterRegistry meters) {
    return new EventSink(
        rateLimiter,
        publisher::publish,
        topics,
        scrubbing::forApp,
        properties.publish().valueFormat(),
        meters);
  }

  /** The keep-in-full decision for traces, shared by every receiver. */
  @Bean
  TraceSampler traceSampler(IntakeProperties properties) {
    return properties.samples().toSampler();
  }

  @Bean
  PayloadParser payloadParser(IntakeLimits limits, TraceSampler sampler) {
    return new PayloadParser(limits, sampler);
  }

  @Bean
  AppRateLimiter appRateLimiter(IntakeProperties properties, IntakeLimits limits) {
    return new AppRateLimiter(
        properties.eventsPerSecondPerApp(), limits.maxEvents(), System::nanoTime);
  }

  /**
   * The events topic intake writes and the app-token topic it reads, created (or checked) before
   * the token feed and the publisher start; part of readiness.
   */
  @Bean
  KafkaTopics kafkaTopics(KafkaClientConfig clients, UpbeatKafkaProperties kafka, Topics topics) {
    return new KafkaTopics(
        clients.admin(),
        kafka.createTopics(),
        List.of(kafka.eventsTopic(topics), kafka.appTokensTopic(topics)),
        Duration.ofSeconds(5));
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
  TokenFeedConsumers tokenFeedConsumers(KafkaClientConfig clients) {
    return () -> {
      Map<String, Object> config = clients.consumer();
      // Every instance reads the whole topic itself (assign, not subscribe): no group, no offsets.
      config.remove(ConsumerConfig.GROUP_ID_CONFIG);
      config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.CLIENT_ID_CONFIG, "intake-tokens-" + UUID.randomUUID());
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

  /**
   * The producers' transactional ids are stable per instance ({@link InstanceId}): a restarted
   * instance aborts what its predecessor left open at once.
   */
  @Bean(destroyMethod = "close")
  GroupCommitPublisher publisher(
      KafkaClientConfig clients,
      Topics topics,
      IntakeProperties properties,
      @Value("${server.port:8080}") int port,
      MeterRegistry meters) {
    IntakeProperties.Publish publish = properties.publish();
    String instance = InstanceId.resolve(properties.instanceId(), InstanceId.hostName(), port);
    log.info("Intake instance id {} (upbeat.intake.instance-id)", instance);
    // A request waits 3/4 of its budget for a transaction to take it, and once taken at most 1/4
    // more for the outcome; the producer's own time-outs fit inside (EventProducers).
    Duration budget = publish.timeout();
    Duration wait = budget.multipliedBy(3).dividedBy(4);
    Duration grace = budget.minus(wait);
    return new GroupCommitPublisher(
        new EventProducers(
            clients.producer(), budget, topics.prefix(), instance, publish.compression()),
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
