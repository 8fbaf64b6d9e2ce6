package io.upbeat.processor.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.Topics;
import io.upbeat.processor.ops.Backlogs;
import io.upbeat.processor.ops.ProcessorLag;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The processor's operational gauges: lag against the offsets stored in PostgreSQL, the dead-letter
 * topic's size, and the rollup and notification backlogs, refreshed every {@code
 * upbeat.processor.ops-refresh} (15 s).
 */
@Configuration(proxyBeanMethods = false)
class OpsConfiguration {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** An admin client of its own, configured as Spring's (same servers, same security settings). */
  @Bean(destroyMethod = "close")
  Admin opsAdmin(KafkaAdmin kafkaAdmin) {
    return Admin.create(kafkaAdmin.getConfigurationProperties());
  }

  @Bean
  ProcessorLag processorLag(
      Admin opsAdmin, DataSource dataSource, Topics topics, MeterRegistry meters) {
    return new ProcessorLag(
        opsAdmin,
        dataSource,
        topics.events(),
        topics.eventsDeadLetter(),
        List.of(
            PipelineConfiguration.METRICS_PIPELINE,
            PipelineConfiguration.ERRORS_PIPELINE,
            PipelineConfiguration.SAMPLES_PIPELINE,
            PipelineConfiguration.TAIL_PIPELINE),
        TIMEOUT.toMillis(),
        meters);
  }

  @Bean
  Backlogs backlogs(DataSource dataSource, Clock clock, MeterRegistry meters) {
    return new Backlogs(dataSource, clock, TIMEOUT, meters);
  }

  @Bean
  OpsRefresh opsRefresh(ProcessorLag lag, Backlogs backlogs, MeterRegistry meters) {
    return new OpsRefresh(lag, backlogs, meters);
  }

  /** Refreshes the gauges; a failed refresh keeps their last values, counted and logged. */
  static final class OpsRefresh {
    private static final Logger log = LoggerFactory.getLogger(OpsRefresh.class);
    private final ProcessorLag lag;
    private final Backlogs backlogs;
    private final Counter failures;

    OpsRefresh(ProcessorLag lag, Backlogs backlogs, MeterRegistry meters) {
      this.lag = lag;
      this.backlogs = backlogs;
      this.failures = meters.counter("upbeat.processor.ops.refresh.failures");
    }

    @Scheduled(
        fixedDelayString = "${upbeat.processor.ops-refresh:15s}",
        initialDelayString = "${upbeat.processor.ops-refresh-initial-delay:5s}")
    void refresh() {
      try {
        lag.refresh();
      } catch (SQLException | RuntimeException e) {
        failures.increment();
        log.warn("Cannot measure the processor's lag; keeping the last values: {}", e.toString());
      }
      try {
        backlogs.refresh();
      } catch (SQLException | RuntimeException e) {
        failures.increment();
        log.warn("Cannot measure the backlogs; keeping the last values: {}", e.toString());
      }
    }
  }
}
