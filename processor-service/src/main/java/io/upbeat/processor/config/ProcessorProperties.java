package io.upbeat.processor.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The processor's settings ({@code upbeat.processor.*}).
 *
 * @param flushInterval how often aggregates and offsets are written to PostgreSQL (the freshness of
 *     the metrics)
 * @param minuteRetentionDays days of 1-minute metrics kept
 * @param maxTransactionNamesPerMinute distinct transaction names per app and minute; the rest are
 *     counted under {@code _other}
 * @param hourRetentionDays days of hourly metrics kept
 * @param dayRetentionDays days of daily metrics kept
 * @param occurrencesPerGroup the newest occurrences of each error group kept in full (counts stay
 *     exact)
 * @param samplesPerMinute sampled transactions (with spans) without a trace id kept per app,
 *     transaction name and minute, per events partition
 * @param samples the bound on samples of traces, which are kept whole
 * @param sampleRetentionDays days of sampled transactions kept
 * @param deletedAppsRefresh how often the set of deleted apps (whose events are dropped) is read
 *     again; api-service's purge sweeps a deleted app once more after its {@code
 *     upbeat.deletion.sweep-delay} (60 s), which must exceed this plus a flush
 * @param errors how errors are grouped
 */
@ConfigurationProperties("upbeat.processor")
record ProcessorProperties(
    @DefaultValue("1s") Duration flushInterval,
    @DefaultValue("7") int minuteRetentionDays,
    @DefaultValue("90") int hourRetentionDays,
    @DefaultValue("730") int dayRetentionDays,
    @DefaultValue("1000") int maxTransactionNamesPerMinute,
    @DefaultValue("100") int occurrencesPerGroup,
    @DefaultValue("10") int samplesPerMinute,
    @DefaultValue("7") int sampleRetentionDays,
    @DefaultValue Samples samples,
    @DefaultValue("5s") Duration deletedAppsRefresh,
    @DefaultValue Errors errors) {

  /**
   * {@code upbeat.processor.samples.*}.
   *
   * @param maxPerAppMinute samples with a trace id kept per app and minute at most, per events
   *     partition: a safety cap, far above what the trace rate gives a healthy app, beyond which
   *     samples are dropped and counted ({@code upbeat.processor.samples{result="over_cap"}});
   *     checked by {@link io.upbeat.processor.samples.SampleWork#factory}
   */
  record Samples(@DefaultValue("10000") int maxPerAppMinute) {}

  /**
   * {@code upbeat.processor.errors.*}.
   *
   * @param wrapperTypes exception types (fully qualified) that only wrap their cause, besides the
   *     built-in ones: an error is named and grouped by the first exception of its chain that is
   *     not a wrapper
   */
  record Errors(@DefaultValue List<String> wrapperTypes) {
    Errors {
      wrapperTypes = wrapperTypes == null ? List.of() : List.copyOf(wrapperTypes);
    }
  }

  ProcessorProperties {
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("flush interval must be positive: " + flushInterval);
    }
    if (occurrencesPerGroup < 1) {
      throw new IllegalArgumentException(
          "occurrences per group must be at least 1: " + occurrencesPerGroup);
    }
    if (hourRetentionDays < minuteRetentionDays || dayRetentionDays < hourRetentionDays) {
      throw new IllegalArgumentException(
          "retention must not shrink from minutes to hours to days: %d, %d, %d"
              .formatted(minuteRetentionDays, hourRetentionDays, dayRetentionDays));
    }
    if (samplesPerMinute < 0 || sampleRetentionDays < 1) {
      throw new IllegalArgumentException(
          "samples per minute must be >= 0 and their retention >= 1 day: %d, %d"
              .formatted(samplesPerMinute, sampleRetentionDays));
    }
    if (deletedAppsRefresh.isNegative() || deletedAppsRefresh.isZero()) {
      throw new IllegalArgumentException(
          "deleted-apps refresh must be positive: " + deletedAppsRefresh);
    }
    if (minuteRetentionDays < 1) {
      throw new IllegalArgumentException(
          "1-minute retention must be at least 1 day: " + minuteRetentionDays);
    }
  }
}
