package io.upbeat.processor.alerts;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.alerting.AlertEvaluator;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the alert evaluator on every processor, on a thread of its own (a long rollup on the shared
 * scheduler thread must not hold alerts back): the rules are fenced in the database (see {@link
 * AlertEvaluator}), so more processors share the rules and none is evaluated twice. A failed run is
 * logged and the next one resumes from each rule's stored cursor.
 */
@Component
class AlertScheduler implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(AlertScheduler.class);

  private final AlertEvaluator evaluator;
  private final AlertProperties properties;
  private final Counter evaluated;
  private final Counter failed;
  private ScheduledExecutorService executor;

  AlertScheduler(
      DataSource dataSource, AlertProperties properties, Clock clock, MeterRegistry meters) {
    this.evaluator =
        new AlertEvaluator(dataSource, clock, properties.grace(), properties.maxCatchUpMinutes());
    this.properties = properties;
    this.evaluated = meters.counter("upbeat.processor.alerts.evaluated");
    this.failed = meters.counter("upbeat.processor.alerts.failed");
  }

  void run() {
    try {
      evaluated.increment(
          evaluator
              .runOnce(
                  (rule, e) -> {
                    failed.increment();
                    log.warn("Alert rule {} could not be evaluated; retried next run", rule, e);
                  })
              .size());
    } catch (Exception e) {
      log.warn("Alert evaluation failed; the next run resumes: {}", e.toString());
    }
  }

  @Override
  public synchronized void start() {
    executor =
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("alerts").factory());
    long every = properties.interval().toMillis();
    executor.scheduleWithFixedDelay(this::run, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      executor = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return executor != null;
  }
}
