package io.upbeat.support;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.upbeat.events.Topics;
import io.upbeat.support.dev.ExitWithParent;
import io.upbeat.support.health.PublicHealthController;
import io.upbeat.support.kafka.KafkaClientConfig;
import io.upbeat.support.kafka.KafkaHealthIndicator;
import io.upbeat.support.kafka.NativeLz4;
import io.upbeat.support.kafka.UpbeatKafkaProperties;
import io.upbeat.support.web.ContractErrorController;
import io.upbeat.support.web.ContractErrorReportValve;
import io.upbeat.support.web.ErrorBodyAdvice;
import io.upbeat.support.web.RefusedPathNames;
import io.upbeat.support.web.StrictJson;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointWebExtension;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

/**
 * What every Upbeat service gets: the contract's error body, a Kafka health indicator, and under
 * {@code ./upbeat dev} an exit when the launcher dies.
 */
@AutoConfiguration(
    beforeName = "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration",
    afterName = {
      "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
      "org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration"
    })
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

  /** 1 when Kafka's LZ4 codec is lz4-java's native one in this service (see {@link NativeLz4}). */
  @Bean
  MeterBinder nativeLz4Gauge() {
    return registry ->
        Gauge.builder("upbeat.kafka.lz4.native", () -> NativeLz4.inUse() ? 1 : 0)
            .description("1 when Kafka's LZ4 codec is the native (JNI) one, 0 for the Java one")
            .register(registry);
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
  @ConditionalOnClass({ConfigurableTomcatWebServerFactory.class, ErrorReportValve.class})
  @ConditionalOnWebApplication
  static class TomcatErrorReportConfiguration {
    /**
     * Requests Tomcat refuses before the application sees them get the contract's error body too:
     * {@link ContractErrorReportValve} replaces the HTML error report valve that Spring Boot adds.
     */
    @Bean
    WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> contractErrorReportValve(
        ObjectProvider<RefusedPathNames> names) {
      return new ContractErrorReportValveCustomizer(names::getIfUnique);
    }
  }

  /** Runs after Spring Boot's own Tomcat customizer, which adds the HTML valve. */
  static final class ContractErrorReportValveCustomizer
      implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {
    private final Supplier<RefusedPathNames> names;

    ContractErrorReportValveCustomizer(Supplier<RefusedPathNames> names) {
      this.names = names;
    }

    @Override
    public void customize(ConfigurableTomcatWebServerFactory factory) {
      factory.addContextCustomizers(
          context -> {
            if (context.getParent() instanceof StandardHost host) {
              for (Valve valve : host.getPipeline().getValves()) {
                if (valve instanceof ErrorReportValve) {
                  host.getPipeline().removeValve(valve);
                }
              }
              host.setErrorReportValveClass(ContractErrorReportValve.class.getName());
              host.getPipeline().addValve(new ContractErrorReportValve(names));
            }
          });
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }

  /**
   * With the actuator on a management port of its own ({@code management.server.port}), health
   * answers stay on the public port too (see {@link PublicHealthController}); the rest does not.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
  static class PublicHealthConfiguration {
    @Bean
    @ConditionalOnBean(HealthEndpointWebExtension.class)
    PublicHealthController publicHealthController(HealthEndpointWebExtension health) {
      return new PublicHealthController(health);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(KafkaAdmin.class)
  @EnableConfigurationProperties(UpbeatKafkaProperties.class)
  static class KafkaHealthConfiguration {
    /**
     * The settings of every Kafka client the service builds: those of Spring Boot's own factories,
     * so {@code spring.kafka.*} (security included) reaches the hand-built clients too.
     */
    @Bean
    @ConditionalOnBean({KafkaAdmin.class, ProducerFactory.class, ConsumerFactory.class})
    KafkaClientConfig kafkaClientConfig(
        ProducerFactory<?, ?> producers, ConsumerFactory<?, ?> consumers, KafkaAdmin kafkaAdmin) {
      return new KafkaClientConfig(
          producers.getConfigurationProperties(),
          consumers.getConfigurationProperties(),
          kafkaAdmin.getConfigurationProperties());
    }

    @Bean(name = "kafkaHealthIndicator")
    @ConditionalOnBean(KafkaClientConfig.class)
    KafkaHealthIndicator kafkaHealthIndicator(KafkaClientConfig clients) {
      Map<String, Object> config = clients.admin();
      config.put("request.timeout.ms", 2000);
      config.put("default.api.timeout.ms", 2000);
      return new KafkaHealthIndicator(config, Duration.ofSeconds(2));
    }
  }
}
