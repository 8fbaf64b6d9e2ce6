package io.upbeat.bench;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TransactionEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Synthetic but shaped traffic for the harnesses: endpoints picked with a skew (a few hot ones, a
 * long tail), lognormal durations (median 20 ms), 1% failures, and errors from a handful of
 * exception types with in-app and framework frames.
 */
public final class Traffic {
  private static final String[] EXCEPTIONS = {
    "java.lang.IllegalStateException",
    "java.lang.NullPointerException",
    "org.springframework.dao.DataIntegrityViolationException",
    "java.net.SocketTimeoutException",
    "com.shop.checkout.PaymentDeclinedException"
  };

  private final Random random;
  private final int endpoints;

  public Traffic(long seed, int endpoints) {
    this.random = new Random(seed);
    this.endpoints = endpoints;
  }

  /** An endpoint name, the lower indexes far more often (roughly Zipf-like). */
  public String endpoint() {
    int i = (int) Math.min(endpoints - 1, Math.floor(endpoints * Math.pow(random.nextDouble(), 3)));
    return "GET /api/v1/resource-" + i;
  }

  public double duration() {
    return Math.exp(3 + 1.2 * random.nextGaussian());
  }

  /**
   * One agent's request: {@code transactions} transactions and {@code errors} errors of one app,
   * stamped within the second starting at {@code at}.
   */
  public EventBatch batch(UUID app, Instant at, int transactions, int errors) {
    List<TransactionEvent> txns = new ArrayList<>(transactions);
    for (int i = 0; i < transactions; i++) {
      boolean failed = random.nextInt(100) == 0;
      txns.add(
          new TransactionEvent(
              null,
              null,
              endpoint(),
              "request",
              at.plusMillis(random.nextInt(1000)),
              duration(),
              failed ? "HTTP 5xx" : "HTTP 2xx",
              failed ? "failure" : "success",
              List.of(),
              null));
    }
    List<ErrorEvent> errs = new ArrayList<>(errors);
    for (int i = 0; i < errors; i++) {
      errs.add(error(at.plusMillis(random.nextInt(1000)), null));
    }
    return new EventBatch(
        UUID.randomUUID(),
        app,
        Instant.now(),
        new ServiceInfo("shop", "production", "1.0.0", "bench", "1", "java", "bench-host"),
        txns,
        errs);
  }

  /** An error; with a fingerprint it forms its own group whatever its stack. */
  public ErrorEvent error(Instant at, List<String> fingerprint) {
    int type = random.nextInt(EXCEPTIONS.length);
    int handler = random.nextInt(8);
    return new ErrorEvent(
        null,
        at,
        null,
        endpoint(),
        "error",
        null,
        new ExceptionInfo(
            EXCEPTIONS[type],
            "failed for order " + random.nextInt(1_000_000),
            List.of(
                new StackFrame(
                    "com.shop.web.Handler" + handler,
                    "handle",
                    "Handler" + handler + ".java",
                    null,
                    40 + random.nextInt(50),
                    true),
                new StackFrame(
                    "org.springframework.web.servlet.FrameworkServlet",
                    "service",
                    "FrameworkServlet.java",
                    null,
                    897,
                    false)),
            null),
        fingerprint,
        null);
  }
}
