package io.upbeat.api.tokens;

import io.upbeat.events.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

@Configuration(proxyBeanMethods = false)
class TokenTopicConfiguration {
  /** See {@link Topics#APP_TOKENS_CONFIG}; the replication factor is the broker's default. */
  @Bean
  NewTopic appTokensTopic(Topics topics) {
    return TopicBuilder.name(topics.appTokens())
        .partitions(Topics.APP_TOKENS_PARTITIONS)
        .configs(Topics.APP_TOKENS_CONFIG)
        .build();
  }
}
