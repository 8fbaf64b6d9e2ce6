package io.upbeat.support.kafka;

import io.upbeat.events.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How Upbeat's topics are laid out on the cluster ({@code upbeat.kafka.*}), one type for the three
 * services so that intake and the processor can never disagree on the events topic. The defaults
 * suit one broker; on three or more set {@code replication-factor: 3} and {@code
 * min-insync-replicas: 2}, so that a write acknowledged with {@code acks=all} survives the loss of
 * a broker (docs/operations.md, "Kafka on a cluster").
 *
 * @param createTopics whether the services create missing topics; when false they only check that
 *     the topics exist with the configured partitions, and are not ready until they do
 * @param replicationFactor replicas of every topic that does not set its own
 * @param minInsyncReplicas {@code min.insync.replicas} of every topic that does not set its own
 * @param topics per-topic settings, each overriding the two above
 */
@ConfigurationProperties("upbeat.kafka")
public record UpbeatKafkaProperties(
    @DefaultValue("true") boolean createTopics,
    @DefaultValue("1") short replicationFactor,
    @DefaultValue("1") int minInsyncReplicas,
    @DefaultValue TopicsSettings topics) {

  public UpbeatKafkaProperties {
    check("upbeat.kafka", replicationFactor, minInsyncReplicas);
    topics.events().check("upbeat.kafka.topics.events", replicationFactor, minInsyncReplicas);
    topics
        .eventsDeadLetter()
        .check("upbeat.kafka.topics.events-dead-letter", replicationFactor, minInsyncReplicas);
    topics
        .appTokens()
        .check("upbeat.kafka.topics.app-tokens", replicationFactor, minInsyncReplicas);
  }

  /** The events topic, written by intake and read by the processor: both use this count. */
  public int eventsPartitions() {
    return topics.events().partitionsOr(Topics.EVENTS_PARTITIONS);
  }

  /** The events topic as it should be created: see {@link Topics#EVENTS_CONFIG}. */
  public NewTopic eventsTopic(Topics names) {
    return newTopic(names.events(), topics.events(), eventsPartitions(), Topics.EVENTS_CONFIG);
  }

  /** The processor's dead-letter topic: see {@link Topics#EVENTS_DEAD_LETTER_CONFIG}. */
  public NewTopic eventsDeadLetterTopic(Topics names) {
    return newTopic(
        names.eventsDeadLetter(),
        topics.eventsDeadLetter(),
        topics.eventsDeadLetter().partitionsOr(Topics.EVENTS_DEAD_LETTER_PARTITIONS),
        Topics.EVENTS_DEAD_LETTER_CONFIG);
  }

  /** The compacted app-token topic: see {@link Topics#APP_TOKENS_CONFIG}. */
  public NewTopic appTokensTopic(Topics names) {
    return newTopic(
        names.appTokens(),
        topics.appTokens(),
        topics.appTokens().partitionsOr(Topics.APP_TOKENS_PARTITIONS),
        Topics.APP_TOKENS_CONFIG);
  }

  private NewTopic newTopic(
      String name, TopicSettings settings, int partitions, Map<String, String> configs) {
    Map<String, String> all = new HashMap<>(configs);
    all.put(
        "min.insync.replicas",
        String.valueOf(
            settings.minInsyncReplicas() == null
                ? minInsyncReplicas
                : settings.minInsyncReplicas()));
    short replicas =
        settings.replicationFactor() == null ? replicationFactor : settings.replicationFactor();
    return new NewTopic(name, partitions, replicas).configs(all);
  }

  private static void check(String prefix, int replicationFactor, int minInsyncReplicas) {
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          prefix + ".replication-factor must be at least 1: " + replicationFactor);
    }
    if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
      // Above the replication factor, every acks=all write would fail (NotEnoughReplicas).
      throw new IllegalArgumentException(
          "%s.min-insync-replicas must be between 1 and the replication factor %d: %d"
              .formatted(prefix, replicationFactor, minInsyncReplicas));
    }
  }

  /** The three topics' own settings. */
  public record TopicsSettings(
      @DefaultValue TopicSettings events,
      @DefaultValue TopicSettings eventsDeadLetter,
      @DefaultValue TopicSettings appTokens) {}

  /**
   * One topic's settings; an unset (null) one takes the shared value or the topic's default.
   *
   * @param partitions partitions when the topic is created (and expected when it exists)
   */
  public record TopicSettings(
      Integer partitions, Short replicationFactor, Integer minInsyncReplicas) {
    public TopicSettings {
      if (partitions != null && partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1: " + partitions);
      }
    }

    int partitionsOr(int fallback) {
      return partitions == null ? fallback : partitions;
    }

    void check(String prefix, short sharedReplicas, int sharedMinIsr) {
      if (replicationFactor != null || minInsyncReplicas != null) {
        UpbeatKafkaProperties.check(
            prefix,
            replicationFactor == null ? sharedReplicas : replicationFactor,
            minInsyncReplicas == null ? sharedMinIsr : minInsyncReplicas);
      }
    }
  }
}
