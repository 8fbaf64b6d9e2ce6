package io.upbeat.support;

import io.upbeat.events.Topics;
import io.upbeat.support.dev.ExitWithParent;
import io.upbeat.support.kafka.KafkaHealthIndicator;
import io.upbeat.support.web.ContractErrorController;
import io.upbeat.support.web.ErrorBodyAdvice;
import io.upbeat.support.web.StrictJson;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * What every Upbeat service gets: the contract's error body, a Kafka health indicator, and under
 * {@code ./upbeat dev} an exit when the launcher dies.
 */
@AutoConfiguration(
    beforeName = "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration",
    afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
public class UpbeatServiceAutoConfiguration {

  @Bean
  @ConditionalOnWebApplication
  ErrorController contractErrorController() {
    return new ContractErrorController();
  }

  @Bean
  @ConditionalOnWebApplication
  ErrorBodyAdvice errorBodyAdvice() {
    return new ErrorBodyAdvice();
  }

  @Bean
  StrictJson strictJson() {
    return new StrictJson();
  }

  /** Time for every service's logic; tests replace it. */
  @Bean
  @ConditionalOnMissingBean
  Clock clock() {
    return Clock.systemUTC();
  }

  /** Kafka topic names, with the installation's prefix ({@code upbeat.kafka.topic-prefix}). */
  @Bean
  @ConditionalOnMissingBean
  Topics topics(@Value("${upbeat.kafka.topic-prefix:}") String prefix) {
    return new Topics(prefix);
  }

  @Bean
  @ConditionalOnProperty(name = "upbeat.dev.exit-with-parent", havingValue = "true")
  ExitWithParent exitWithParent() {
    return new ExitWithParent(System.in);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(KafkaAdmin.class)
  static class KafkaHealthConfiguration {
    @Bean(name = "kafkaHealthIndicator")
    @ConditionalOnBean(KafkaAdmin.class)
    KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin kafkaAdmin) {
      Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
      config.put("request.timeout.ms", 2000);
      config.put("default.api.timeout.ms", 2000);
      return new KafkaHealthIndicator(config, Duration.ofSeconds(2));
    }
  }
}
