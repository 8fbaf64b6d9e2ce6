package io.upbeat.processor.alerts;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The alert evaluator's settings ({@code upbeat.processor.alerts.*}).
 *
 * @param interval how often each processor looks for due rules (a minute is evaluated within this
 *     after it is complete)
 * @param grace how long after a minute's end its data counts as complete: events still in flight
 *     (the pipelines' freshness p99 is about 1.3 s) land in it before it is evaluated
 * @param maxCatchUpMinutes after downtime, the most recent minutes a rule is evaluated for; older
 *     missed minutes are skipped (an alert about them would be stale)
 */
@ConfigurationProperties("upbeat.processor.alerts")
record AlertProperties(
    @DefaultValue("10s") Duration interval,
    @DefaultValue("15s") Duration grace,
    @DefaultValue("60") int maxCatchUpMinutes) {
  AlertProperties {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("alert interval must be positive: " + interval);
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("alert grace must not be negative: " + grace);
    }
    if (maxCatchUpMinutes < 1 || maxCatchUpMinutes > 1440) {
      throw new IllegalArgumentException(
          "alert catch-up must be 1..1440 minutes: " + maxCatchUpMinutes);
    }
  }
}
