package io.upbeat.support.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The topics one service uses: created when missing (with {@code upbeat.kafka.create-topics}, the
 * default) or only checked (without), before the service's consumers and producers start. Spring's
 * {@code KafkaAdmin} is not used for this, since it silently adds partitions to a topic that has
 * fewer than declared, which moves every key of the events topic to another partition.
 *
 * <p>A topic that exists with another partition count than configured is kept as it is, with a
 * warning; where the services may not create topics, the operator created them and a different
 * count is a mistake, so the service is not ready until it is fixed. As a health indicator
 * (readiness) this is DOWN, with the reason, until every topic is there; each health check while
 * DOWN tries again, so a service started before Kafka becomes ready by itself.
 */
public final class KafkaTopics
    implements HealthIndicator, SmartInitializingSingleton, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaTopics.class);

  private final Admin admin;
  private final boolean create;
  private final List<NewTopic> topics;
  private final Duration timeout;
  private final Set<String> warned = new HashSet<>();
  private volatile String problem = "not checked yet";

  /**
   * @param adminConfig the service's admin client settings ({@link KafkaClientConfig#admin()})
   * @param create whether missing topics are created, or only reported
   * @param topics every topic the service reads or writes, as it would create it
   * @param timeout how long one check waits for Kafka
   */
  public KafkaTopics(
      Map<String, Object> adminConfig, boolean create, List<NewTopic> topics, Duration timeout) {
    Map<String, Object> config = new HashMap<>(adminConfig);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.put(
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
        (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
    this.admin = Admin.create(config);
    this.create = create;
    this.topics = List.copyOf(topics);
    this.timeout = timeout;
  }

  /** Checks (and creates) the topics once before the service's clients start. */
  @Override
  public void afterSingletonsInstantiated() {
    ready();
  }

  /**
   * Whether every topic exists as the service needs it; checks again (and creates what is missing)
   * unless an earlier check found them all.
   */
  public boolean ready() {
    return problem == null || check();
  }

  /**
   * Forgets that the topics were found: the next {@link #ready} checks (and creates) them again.
   * For a client whose writes failed, since a topic may have been deleted meanwhile (a cluster
   * rebuilt, the token topic lost).
   */
  public void recheck() {
    if (problem == null) {
      problem = "checking again after a failure";
    }
  }

  /** Why the topics are not ready, or null when they are. */
  public String problem() {
    return problem;
  }

  @Override
  public Health health() {
    if (ready()) {
      return Health.up().withDetail("topics", topics.stream().map(NewTopic::name).toList()).build();
    }
    return Health.down().withDetail("reason", problem).build();
  }

  private synchronized boolean check() {
    if (problem == null) {
      return true;
    }
    String found;
    try {
      found = verify();
    } catch (ExecutionException e) {
      found = "Kafka did not describe the topics: " + e.getCause();
    } catch (TimeoutException e) {
      found = "Kafka did not answer within " + timeout;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      found = "interrupted";
    }
    if (found == null) {
      log.info("Kafka topics ready: {}", topics.stream().map(NewTopic::name).toList());
    } else if (!found.equals(problem)) {
      log.warn("Kafka topics not ready: {}", found);
    }
    problem = found;
    return found == null;
  }

  /** What is wrong with the topics, or null. */
  private String verify() throws ExecutionException, TimeoutException, InterruptedException {
    Map<String, TopicDescription> existing = describe(topics);
    List<NewTopic> missing = topics.stream().filter(t -> !existing.containsKey(t.name())).toList();
    if (!missing.isEmpty()) {
      if (!create) {
        return "missing topic(s) "
            + missing.stream().map(KafkaTopics::describe).toList()
            + " and upbeat.kafka.create-topics is false: create them as docs/operations.md"
            + " (Kafka on a cluster) says";
      }
      String failed = createTopics(missing);
      if (failed != null) {
        return failed;
      }
      existing.putAll(describe(missing));
    }
    List<String> mismatched = new ArrayList<>();
    for (NewTopic wanted : topics) {
      TopicDescription actual = existing.get(wanted.name());
      if (actual == null) {
        return "topic " + wanted.name() + " was created but cannot be described yet";
      }
      int partitions = actual.partitions().size();
      if (partitions != wanted.numPartitions()) {
        String message =
            "topic %s has %d partitions where this service is configured for %d (upbeat.kafka.topics.*.partitions); it is kept as it is"
                .formatted(wanted.name(), partitions, wanted.numPartitions());
        if (create) {
          warnOnce(message);
        } else {
          mismatched.add(message);
        }
      }
      int replicas = actual.partitions().getFirst().replicas().size();
      if (replicas < wanted.replicationFactor()) {
        warnOnce(
            "topic %s has %d replica(s) where %d are configured (upbeat.kafka.replication-factor): a broker's loss can lose acknowledged records"
                .formatted(wanted.name(), replicas, wanted.replicationFactor()));
      }
    }
    return mismatched.isEmpty() ? null : String.join("; ", mismatched);
  }

  private Map<String, TopicDescription> describe(List<NewTopic> which)
      throws ExecutionException, TimeoutException, InterruptedException {
    Map<String, KafkaFuture<TopicDescription>> futures =
        admin.describeTopics(which.stream().map(NewTopic::name).toList()).topicNameValues();
    Map<String, TopicDescription> found = new LinkedHashMap<>();
    for (Map.Entry<String, KafkaFuture<TopicDescription>> e : futures.entrySet()) {
      try {
        found.put(e.getKey(), e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
      } catch (ExecutionException notThere) {
        if (!(notThere.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw notThere;
        }
      }
    }
    return found;
  }

  /** Creates the topics; another instance creating one at the same time is fine. */
  private String createTopics(List<NewTopic> missing)
      throws TimeoutException, InterruptedException {
    CreateTopicsResult result = admin.createTopics(missing);
    for (NewTopic topic : missing) {
      try {
        result.values().get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        log.info("Created Kafka topic {}", describe(topic));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          return "cannot create topic " + describe(topic) + ": " + e.getCause();
        }
      }
    }
    return null;
  }

  private synchronized void warnOnce(String message) {
    if (warned.add(message)) {
      log.warn(message);
    }
  }

  private static String describe(NewTopic t) {
    return "%s (%d partitions, replication factor %d, %s)"
        .formatted(t.name(), t.numPartitions(), t.replicationFactor(), t.configs());
  }

  /** Closes the admin client (Spring calls this when the context closes). */
  @Override
  public void close() {
    admin.close(Duration.ofSeconds(2));
  }
}
