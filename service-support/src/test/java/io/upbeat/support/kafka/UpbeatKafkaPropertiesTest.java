package io.upbeat.support.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.events.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class UpbeatKafkaPropertiesTest {
  private static final UpbeatKafkaProperties.TopicSettings NONE =
      new UpbeatKafkaProperties.TopicSettings(null, null, null);
  private final Topics names = new Topics("p.");

  @Test
  void defaultsSuitOneBroker() {
    UpbeatKafkaProperties p = properties(1, 1, NONE, NONE, NONE);
    NewTopic events = p.eventsTopic(names);
    assertThat(events.name()).isEqualTo("p.upbeat.events");
    assertThat(events.numPartitions()).isEqualTo(Topics.EVENTS_PARTITIONS);
    assertThat(events.replicationFactor()).isEqualTo((short) 1);
    assertThat(events.configs())
        .containsEntry("min.insync.replicas", "1")
        .containsAllEntriesOf(Topics.EVENTS_CONFIG);
    assertThat(p.eventsDeadLetterTopic(names).numPartitions())
        .isEqualTo(Topics.EVENTS_DEAD_LETTER_PARTITIONS);
    assertThat(p.eventsDeadLetterTopic(names).configs())
        .containsAllEntriesOf(Topics.EVENTS_DEAD_LETTER_CONFIG);
    assertThat(p.appTokensTopic(names).configs()).containsEntry("cleanup.policy", "compact");
  }

  @Test
  void sharedReplicationAppliesToEveryTopicUnlessOneSetsItsOwn() {
    UpbeatKafkaProperties p =
        properties(
            3,
            2,
            new UpbeatKafkaProperties.TopicSettings(24, null, null),
            NONE,
            new UpbeatKafkaProperties.TopicSettings(null, (short) 5, 3));
    assertThat(p.eventsPartitions()).isEqualTo(24);
    assertThat(p.eventsTopic(names).replicationFactor()).isEqualTo((short) 3);
    assertThat(p.eventsTopic(names).configs()).containsEntry("min.insync.replicas", "2");
    assertThat(p.eventsDeadLetterTopic(names).replicationFactor()).isEqualTo((short) 3);
    assertThat(p.appTokensTopic(names).replicationFactor()).isEqualTo((short) 5);
    assertThat(p.appTokensTopic(names).configs()).containsEntry("min.insync.replicas", "3");
  }

  @Test
  void refusesSettingsThatWouldFailEveryWrite() {
    assertThatThrownBy(() -> properties(1, 2, NONE, NONE, NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("upbeat.kafka.min-insync-replicas")
        .hasMessageContaining(": 2");
    assertThatThrownBy(() -> properties(0, 1, NONE, NONE, NONE))
        .hasMessageContaining("replication-factor must be at least 1: 0");
    assertThatThrownBy(
            () ->
                properties(
                    3,
                    2,
                    NONE,
                    new UpbeatKafkaProperties.TopicSettings(null, (short) 1, null),
                    NONE))
        .hasMessageContaining("upbeat.kafka.topics.events-dead-letter.min-insync-replicas");
    assertThatThrownBy(() -> new UpbeatKafkaProperties.TopicSettings(0, null, null))
        .hasMessageContaining("partitions must be at least 1: 0");
  }

  private static UpbeatKafkaProperties properties(
      int replicas,
      int minIsr,
      UpbeatKafkaProperties.TopicSettings events,
      UpbeatKafkaProperties.TopicSettings deadLetter,
      UpbeatKafkaProperties.TopicSettings tokens) {
    return new UpbeatKafkaProperties(
        true,
        (short) replicas,
        minIsr,
        new UpbeatKafkaProperties.TopicsSettings(events, deadLetter, tokens));
  }
}
