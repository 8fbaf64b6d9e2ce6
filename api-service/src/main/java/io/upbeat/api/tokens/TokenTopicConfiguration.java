package io.upbeat.api.tokens;

import io.upbeat.events.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

@Configuration(proxyBeanMethods = false)
class TokenTopicConfiguration {
  @Bean
  Topics topics(@Value("${upbeat.kafka.topic-prefix:}") String prefix) {
    return new Topics(prefix);
  }

  /**
   * Compacted: the topic keeps the latest record per token digest, so a reader from the beginning
   * gets exactly the live tokens. The replication factor is the broker's default.
   */
  @Bean
  NewTopic appTokensTopic(Topics topics) {
    return TopicBuilder.name(topics.appTokens())
        .partitions(Topics.APP_TOKENS_PARTITIONS)
        .config(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)
        .build();
  }
}
