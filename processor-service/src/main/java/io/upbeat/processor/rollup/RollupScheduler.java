package io.upbeat.processor.rollup;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Runs the rollups periodically on every processor (each takes the units no other holds); a failed
 * run is logged and retried by the next one.
 */
public class RollupScheduler {
  private static final Logger log = LoggerFactory.getLogger(RollupScheduler.class);

  private final Rollups rollups;
  private final Clock clock;
  private final Timer runs;

  public RollupScheduler(Rollups rollups, Clock clock, MeterRegistry meters) {
    this.rollups = rollups;
    this.clock = clock;
    this.runs = meters.timer("upbeat.processor.rollup");
  }

  @Scheduled(
      fixedDelayString = "${upbeat.processor.rollup-interval:30s}",
      initialDelayString = "${upbeat.processor.rollup-interval:30s}")
  public void run() {
    long start = System.nanoTime();
    try {
      int units = rollups.run(clock.instant());
      if (units > 0) {
        runs.record(java.time.Duration.ofNanos(System.nanoTime() - start));
        log.debug("Rolled up {} units (app-hours, app-days)", units);
      }
    } catch (Exception e) {
      log.warn("Rollup failed; the next run retries: {}", e.toString());
    }
  }
}
