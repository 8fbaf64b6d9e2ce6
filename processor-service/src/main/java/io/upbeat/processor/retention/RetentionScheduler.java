package io.upbeat.processor.retention;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Scheduled;

/** Runs {@link RowRetention} on every processor; a failed run is logged and retried by the next. */
@Configuration(proxyBeanMethods = false)
class RetentionScheduler {
  private static final Logger log = LoggerFactory.getLogger(RetentionScheduler.class);

  /**
   * @param minuteRetentionDays the minute metrics' retention ({@code
   *     upbeat.processor.minute-retention-days}), which the destination metrics share
   */
  @Bean
  Job rowRetentionJob(
      DataSource dataSource,
      RetentionProperties properties,
      Clock clock,
      @Value("${upbeat.processor.minute-retention-days:7}") int minuteRetentionDays) {
    return new Job(
        new RowRetention(
            dataSource,
            new RowRetention.Settings(
                Duration.ofDays(properties.errorHourlyDays()),
                Duration.ofDays(properties.notificationDays()),
                Duration.ofDays(properties.alertEventDays()),
                Duration.ofDays(minuteRetentionDays),
                properties.batchSize(),
                properties.maxBatches())),
        clock);
  }

  /** The scheduled run. */
  static final class Job {
    private final RowRetention retention;
    private final Clock clock;

    Job(RowRetention retention, Clock clock) {
      this.retention = retention;
      this.clock = clock;
    }

    @Scheduled(
        fixedDelayString = "${upbeat.processor.retention.interval:10m}",
        initialDelayString = "${upbeat.processor.retention.interval:10m}")
    void run() {
      try {
        Map<String, Long> deleted = retention.run(clock.instant());
        if (deleted.values().stream().anyMatch(n -> n > 0)) {
          log.info("Retention deleted expired rows: {}", deleted);
        }
      } catch (Exception e) {
        log.warn("Retention run failed; the next run retries: {}", e.toString());
      }
    }
  }
}
