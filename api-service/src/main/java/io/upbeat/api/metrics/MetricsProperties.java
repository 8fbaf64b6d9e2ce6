package io.upbeat.api.metrics;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the processor keeps each level of response-time rows. Set them as the processor's
 * ({@code UPBEAT_PROCESSOR_MINUTE_RETENTION_DAYS}, {@code ..._HOUR_...}): windows whose edges lie
 * beyond a level's retention are answered from the next coarser level.
 */
@ConfigurationProperties("upbeat.metrics")
record MetricsProperties(
    @DefaultValue("7") int minuteRetentionDays, @DefaultValue("90") int hourRetentionDays) {}
