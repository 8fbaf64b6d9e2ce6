package io.upbeat.processor.retention;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long rows of the tables that are not partitioned by time are kept ({@code
 * upbeat.processor.retention.*}); see docs/operations.md, "Retention".
 *
 * @param errorHourlyDays days of hourly error counts ({@code error_hourly}): the error charts and
 *     the time filter of the errors list; as long as the hourly metrics by default
 * @param notificationDays days of notifications and their deliveries (the delivery log): far past
 *     the last retry of any delivery
 * @param alertEventDays days of alert rules' state changes (an alert's history)
 * @param interval how often each processor deletes what expired
 * @param batchSize rows deleted per statement (and transaction): bounds each one's locks and WAL
 * @param maxBatches statements per table and run at most: bounds a run after a long pause; the next
 *     run goes on
 */
@ConfigurationProperties("upbeat.processor.retention")
record RetentionProperties(
    @DefaultValue("90") int errorHourlyDays,
    @DefaultValue("90") int notificationDays,
    @DefaultValue("90") int alertEventDays,
    @DefaultValue("10m") Duration interval,
    @DefaultValue("5000") int batchSize,
    @DefaultValue("100") int maxBatches) {
  RetentionProperties {
    for (int days : new int[] {errorHourlyDays, notificationDays, alertEventDays}) {
      if (days < 1) {
        throw new IllegalArgumentException("retention must be at least 1 day: " + days);
      }
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("retention interval must be positive: " + interval);
    }
    if (batchSize < 1 || maxBatches < 1) {
      throw new IllegalArgumentException(
          "retention batch size and batches must be positive: " + batchSize + ", " + maxBatches);
    }
  }
}
