package io.upbeat.processor.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The tail decision's settings ({@code upbeat.processor.traces.*}): which traces are kept because
 * something in them went wrong, besides those intake keeps by their hash. See docs/operations.md,
 * "Traces kept by the tail decision".
 *
 * @param tailWindow how far behind real time the tail pipeline reads the events topic: the time an
 *     app has to report an error of a trace before the other apps' transactions of that trace are
 *     passed over. Kafka holds the records meanwhile; the pipeline holds nothing
 * @param tailPerAppMinute traces recorded as interesting per app and minute, per events partition
 *     and pipeline (errors, samples), at most; beyond, counted ({@code
 *     upbeat.processor.traces.tail{result="over_cap"}}) and not recorded. 0 turns the tail decision
 *     off
 * @param tailMaxRecorded recorded traces the tail pipeline holds in memory at most (about 150 bytes
 *     each; the table holds an hour of them): beyond, the oldest are forgotten first (counted,
 *     {@code upbeat.processor.traces.tail{result="evicted"}})
 * @param slowMs a sample of a trace lasting at least this long makes its trace interesting; the
 *     same as intake's {@code upbeat.intake.samples.slow-ms}, which sends such transactions in full
 */
@ConfigurationProperties("upbeat.processor.traces")
record TraceProperties(
    @DefaultValue("30s") Duration tailWindow,
    @DefaultValue("100") int tailPerAppMinute,
    @DefaultValue("500000") int tailMaxRecorded,
    @DefaultValue("1000") double slowMs) {
  TraceProperties {
    if (tailWindow.isNegative()) {
      throw new IllegalArgumentException("tail window must not be negative: " + tailWindow);
    }
    if (tailPerAppMinute < 0) {
      throw new IllegalArgumentException(
          "tail traces per app and minute must not be negative: " + tailPerAppMinute);
    }
    if (tailMaxRecorded < 1) {
      throw new IllegalArgumentException(
          "recorded traces held must be positive: " + tailMaxRecorded);
    }
    if (!(slowMs > 0)) {
      throw new IllegalArgumentException("slow threshold must be above 0 ms: " + slowMs);
    }
  }
}
