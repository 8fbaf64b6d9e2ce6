package io.upbeat.support.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.Topics;
import io.upbeat.localstack.LocalStack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

/** Creating or only checking a service's topics on the real embedded broker. */
class ITKafkaTopics {
  private Map<String, Object> client;
  private Admin admin;
  private Topics names;

  @BeforeEach
  void connect() {
    client = Map.of("bootstrap.servers", LocalStack.shared().kafka().bootstrapServers());
    admin = Admin.create(client);
    names = new Topics("topics-" + UUID.randomUUID() + ".");
  }

  @AfterEach
  void close() {
    admin.close();
  }

  @Test
  void createsMissingTopicsWithTheConfiguredPartitionsAndSettings() throws Exception {
    UpbeatKafkaProperties settings =
        properties(
            true,
            new UpbeatKafkaProperties.TopicsSettings(
                new UpbeatKafkaProperties.TopicSettings(5, null, null),
                new UpbeatKafkaProperties.TopicSettings(null, null, null),
                new UpbeatKafkaProperties.TopicSettings(null, null, null)));
    try (KafkaTopics topics =
        topics(true, List.of(settings.eventsTopic(names), settings.appTokensTopic(names)))) {
      topics.afterSingletonsInstantiated();
      assertThat(topics.ready()).isTrue();
      assertThat(topics.health().getStatus()).isEqualTo(Status.UP);
    }
    assertThat(describe(names.events()).partitions()).hasSize(5);
    assertThat(describe(names.appTokens()).partitions()).hasSize(Topics.APP_TOKENS_PARTITIONS);
    assertThat(config(names.appTokens()).get("cleanup.policy").value()).isEqualTo("compact");
    assertThat(config(names.events()).get("min.insync.replicas").value()).isEqualTo("1");
    assertThat(config(names.events()).get("retention.ms").value())
        .isEqualTo(Topics.EVENTS_CONFIG.get("retention.ms"));
  }

  @Test
  void anExistingTopicWithAnotherPartitionCountIsKeptWhenServicesCreateTopics() throws Exception {
    admin.createTopics(List.of(new NewTopic(names.events(), 2, (short) 1))).all().get();
    UpbeatKafkaProperties settings = properties(true, defaults());
    try (KafkaTopics topics = topics(true, List.of(settings.eventsTopic(names)))) {
      // A warning, not a failure. The topic was created a moment ago: until every broker knows
      // it, a check may not find it yet (then the next check, as the next health check, does).
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(topics.ready()).as(topics.problem()).isTrue());
    }
    assertThat(describe(names.events()).partitions()).hasSize(2); // not increased behind our back
  }

  @Test
  void withoutCreationMissingTopicsKeepTheServiceNotReadyUntilTheyExist() throws Exception {
    UpbeatKafkaProperties settings = properties(false, defaults());
    NewTopic events = settings.eventsTopic(names);
    try (KafkaTopics topics = topics(false, List.of(events))) {
      topics.afterSingletonsInstantiated();
      assertThat(topics.ready()).isFalse();
      assertThat(topics.health().getStatus()).isEqualTo(Status.DOWN);
      assertThat(topics.problem())
          .contains("missing topic(s)")
          .contains(names.events())
          .contains("upbeat.kafka.create-topics is false");
      assertThat(admin.listTopics().names().get()).doesNotContain(names.events());

      // The operator creates it, with other partitions than configured: still not ready.
      // Until every broker knows the new topic a check may still find it missing (as above);
      // once it is found, its partition count keeps the service not ready.
      admin.createTopics(List.of(new NewTopic(names.events(), 3, (short) 1))).all().get();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(topics.ready()).isFalse();
                assertThat(topics.problem())
                    .contains(names.events() + " has 3 partitions")
                    .contains("configured for " + Topics.EVENTS_PARTITIONS);
              });

      admin.deleteTopics(List.of(names.events())).all().get();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(
              () -> {
                admin.createTopics(List.of(events)).all().get();
                return true;
              });
      assertThat(topics.ready()).isTrue();
      assertThat(topics.health().getStatus()).isEqualTo(Status.UP);
    }
  }

  @Test
  void aReplicationFactorAboveTheBrokersIsReportedNotHidden() {
    UpbeatKafkaProperties settings = new UpbeatKafkaProperties(true, (short) 3, 2, defaults());
    NewTopic events = settings.eventsTopic(names);
    assertThat(events.replicationFactor()).isEqualTo((short) 3);
    assertThat(events.configs()).containsEntry("min.insync.replicas", "2");
    try (KafkaTopics topics = topics(true, List.of(events))) {
      assertThat(topics.ready()).isFalse();
      assertThat(topics.problem())
          .contains("cannot create topic " + names.events())
          .contains("replication factor 3");
    }
  }

  private KafkaTopics topics(boolean create, List<NewTopic> wanted) {
    return new KafkaTopics(client, create, wanted, Duration.ofSeconds(5));
  }

  private static UpbeatKafkaProperties properties(
      boolean create, UpbeatKafkaProperties.TopicsSettings topics) {
    return new UpbeatKafkaProperties(create, (short) 1, 1, topics);
  }

  private static UpbeatKafkaProperties.TopicsSettings defaults() {
    UpbeatKafkaProperties.TopicSettings none =
        new UpbeatKafkaProperties.TopicSettings(null, null, null);
    return new UpbeatKafkaProperties.TopicsSettings(none, none, none);
  }

  private TopicDescription describe(String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
  }

  private Config config(String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin.describeConfigs(List.of(resource)).all().get().get(resource);
  }
}
