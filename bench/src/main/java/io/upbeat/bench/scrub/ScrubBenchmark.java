package io.upbeat.bench.scrub;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.Scrubber;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.Span;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TransactionEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What scrubbing adds to intake's hot path, per batch of {@value #EVENTS} typical events (8
 * transactions with 3 spans and a request context with headers, a query string, a user and tags; 2
 * errors with a 20-frame stack trace): {@link Scrubber#batch} on a clean batch (the common case:
 * nothing to filter), on a batch where every context holds an {@code Authorization} header, a
 * password and a card number, and, for scale, {@link EventBatchCodec#encode} of the same batch,
 * which intake does to every batch anyway. Divide by {@value #EVENTS} for the cost of one event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ScrubBenchmark {
  static final int EVENTS = 10;

  /** The events' shape: see the class comment. */
  public enum Shape {
    AGENT,
    HARNESS
  }

  @Param({"AGENT", "HARNESS"})
  public Shape shape;

  private final Scrubber scrubber = new Scrubber(List.of("iban", "x-internal-id"));
  private EventBatch clean;
  private EventBatch secrets;

  @Setup
  public void setUp() {
    clean = shape == Shape.AGENT ? batch(false) : harness(false);
    secrets = shape == Shape.AGENT ? batch(true) : harness(true);
  }

  /** Ten transactions as bench/intake-load/gen-payloads.py writes them. */
  public static EventBatch harness(boolean withSecrets) {
    Instant now = Instant.parse("2026-12-05T00:00:00Z");
    List<TransactionEvent> transactions = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      String url = "/api/orders/" + (1000 + i) + (withSecrets ? "?token=abc" + i : "");
      transactions.add(
          new TransactionEvent(
              "a1b2c3d4e5f6a7b" + i,
              "0af7651916cd43dd8448eb211c80319c",
              "GET /api/orders/{id}",
              "request",
              now,
              12.5,
              "HTTP 2xx",
              "success",
              List.of(new Span("SELECT FROM orders", "db.postgresql.query", 1.2, 3.4)),
              "{\"request\":{\"method\":\"GET\",\"url\":\""
                  + url
                  + "\"},\"user\":{\"id\":\"user-"
                  + (40 + i)
                  + "\"},\"tags\":{\"region\":\"eu-west-1\"}}"));
    }
    return new EventBatch(
        UUID.randomUUID(),
        UUID.randomUUID(),
        now,
        new ServiceInfo("shop-web", "production", "2026.12.05-1", null, null, null, null),
        transactions,
        List.of(),
        List.of(),
        List.of(),
        List.of());
  }

  public static EventBatch batch(boolean withSecrets) {
    Instant now = Instant.parse("2026-12-05T00:00:00Z");
    List<TransactionEvent> transactions = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      transactions.add(
          new TransactionEvent(
              "a1b2c3d4e5f6a7b" + i,
              "0af7651916cd43dd8448eb211c80319c",
              "GET /users/{id}/orders",
              "request",
              now,
              12.5,
              "HTTP 2xx",
              "success",
              List.of(
                  new Span("SELECT FROM users WHERE id = ?", "db.postgresql.query", 1.2, 3.4),
                  new Span("SELECT FROM orders WHERE user_id = ?", "db.postgresql.query", 4.8, 2.1),
                  new Span("GET pricing-service", "external.http", 7.0, 4.2)),
              context(i, withSecrets)));
    }
    List<StackFrame> frames = new ArrayList<>();
    for (int f = 0; f < 20; f++) {
      frames.add(
          new StackFrame(
              "com.shop.orders.OrderService" + f,
              "find",
              "OrderService.java",
              "com/shop/orders/OrderService.java",
              42 + f,
              f < 5));
    }
    List<ErrorEvent> errors = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      errors.add(
          new ErrorEvent(
              "e" + i,
              now,
              "a1b2c3d4e5f6a7b" + i,
              "GET /users/{id}/orders",
              "error",
              "com.shop.orders.OrderService.find",
              new ExceptionInfo(
                  "java.lang.IllegalStateException",
                  withSecrets
                      ? "payment with 4111 1111 1111 1111 declined for user 42"
                      : "order 20261205-0042 not found for user 42",
                  frames,
                  null),
              null,
              context(i, withSecrets)));
    }
    return new EventBatch(
        UUID.randomUUID(),
        UUID.randomUUID(),
        now,
        new ServiceInfo(
            "shop-web", "production", "2026.12.05-1", "upbeat-java", "0.1.0", "java", "web-1"),
        transactions,
        errors,
        List.of(),
        List.of(),
        List.of());
  }

  /** A request context of about 600 bytes, as the Java agent sends. */
  static String context(int i, boolean withSecrets) {
    return "{\"request\":{\"method\":\"GET\",\"url\":\"https://shop.example.com/users/42/orders?page="
        + i
        + (withSecrets ? "&access_token=eyJhbGciOiJIUzI1NiJ9" : "&sort=desc")
        + "\",\"headers\":{\"accept\":\"application/json\",\"user-agent\":\"Mozilla/5.0 (X11; Linux"
        + " x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36\","
        + "\"accept-language\":\"en-GB,en;q=0.9\",\"x-request-id\":\"5b8efff798038103d269b633\""
        + (withSecrets ? ",\"authorization\":\"Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc\"" : "")
        + "},\"body\":{\"quantity\":2,\"sku\":\"SKU-1042\""
        + (withSecrets ? ",\"password\":\"hunter2\",\"note\":\"card 4111111111111111\"" : "")
        + "}},\"user\":{\"id\":\"42\",\"email\":\"ann@example.com\"},"
        + "\"tags\":{\"region\":\"eu-west-1\",\"tenant\":\"acme\",\"build\":\"20261205.1\"}}";
  }

  /** The common case: nothing to filter, the batch comes back as it was. */
  @Benchmark
  public EventBatch scrubClean() {
    return scrubber.batch(clean);
  }

  /** Every context and message holds secrets: contexts and messages are rewritten. */
  @Benchmark
  public EventBatch scrubSecrets() {
    return scrubber.batch(secrets);
  }

  /** For scale: encoding the clean batch for Kafka, which intake does to every batch already. */
  @Benchmark
  public byte[] encodeClean() {
    return EventBatchCodec.encode(clean);
  }
}
