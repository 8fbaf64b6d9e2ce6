package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent end to end up to the wire, against a fake intake (a {@link Reporter.Transport} that
 * records the gzipped bodies and answers as told): what is sent, retries, refusals, an intake that
 * is down, and the bounded queue.
 */
class ReporterTest {
  /** A scripted intake: answers from the script, then 202; records every body. */
  static final class FakeIntake implements Reporter.Transport {
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    final List<JsonNode> aggregates = new CopyOnWriteArrayList<>();
    final List<JsonNode> destinationAggregates = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean down;
    final List<Answer> script = new CopyOnWriteArrayList<>();
    // Each attempt's idempotency key and the transactions' names of its body, in order.
    final List<String> keys = new CopyOnWriteArrayList<>();
    final List<String> names = new CopyOnWriteArrayList<>();

    @Override
    public Answer post(byte[] gzipped, String idempotencyKey) throws IOException {
      calls.incrementAndGet();
      keys.add(idempotencyKey);
      if (down) {
        throw new IOException("connection refused");
      }
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
        JsonNode body = JsonMapper.shared().readTree(in.readAllBytes());
        if (body.has("transaction_metrics")) {
          aggregates.addAll(body.get("transaction_metrics").valueStream().toList());
          destinationAggregates.addAll(body.get("destination_metrics").valueStream().toList());
          names.add("aggregates");
        } else {
          bodies.add(body);
          names.add(
              body.get("transactions")
                  .valueStream()
                  .map(t -> t.get("name").asString())
                  .toList()
                  .toString());
        }
      }
      return script.isEmpty() ? new Answer(202, -1) : script.remove(0);
    }

    int events() {
      return bodies.stream()
          .mapToInt(b -> b.get("transactions").size() + b.get("errors").size())
          .sum();
    }
  }

  private final FakeIntake intake = new FakeIntake();

  private static UpbeatConfig.Builder config() {
    return UpbeatConfig.builder()
        .serverUrl("http://127.0.0.1:1")
        .secretToken("ub_app_test")
        .serviceName("shop-web")
        .environment("staging")
        .serviceVersion("2026.11.26-3")
        .appPackage("io.upbeat.agent")
        .flushInterval(Duration.ofMillis(50))
        .metricsInterval(Duration.ofHours(1)) // aggregates go out on stop, unless a test says
        // No trace is sampled: what is sent in full is the per-name budget's choice alone.
        .tracesPerSecond(0)
        .maxBackoff(Duration.ofMillis(200));
  }

  @AfterEach
  void stop() {
    Upbeat.stop();
  }

  @Test
  void sendsTransactionsSpansAndErrorsWithTheService() {
    Upbeat.start(config().build(), intake);
    Transaction t = Upbeat.beginTransaction("GET /users/{id}", "request");
    assertThat(Upbeat.currentTransaction()).isSameAs(t);
    try (Span s = t.startSpan("SELECT FROM users", "db.postgresql.query")) {
      assertThat(s).isNotNull();
    }
    t.setResult("HTTP 5xx")
        .setOutcome(Transaction.Outcome.FAILURE)
        .setUser("42", "ann@example.com", "Ann")
        .setRequest("GET", "/users/42?x=1", java.util.Map.of("Accept", "*/*"))
        .setTag("region", "eu");
    Upbeat.captureException(
        new IllegalStateException("boom \"quoted\"\nline", new java.io.IOException("disk")));
    t.end();
    assertThat(Upbeat.currentTransaction().isNoop()).isTrue();
    Upbeat.stop();

    assertThat(intake.events()).isEqualTo(2);
    JsonNode service = intake.bodies.get(0).get("service");
    assertThat(service.get("name").asString()).isEqualTo("shop-web");
    assertThat(service.get("environment").asString()).isEqualTo("staging");
    assertThat(service.get("version").asString()).isEqualTo("2026.11.26-3");
    assertThat(service.at("/agent/name").asString()).isEqualTo("upbeat-java");

    JsonNode txn =
        intake.bodies.stream()
            .flatMap(b -> b.get("transactions").valueStream())
            .findFirst()
            .orElseThrow();
    assertThat(txn.get("name").asString()).isEqualTo("GET /users/{id}");
    assertThat(txn.get("outcome").asString()).isEqualTo("failure");
    assertThat(txn.get("duration_ms").asDouble()).isGreaterThanOrEqualTo(0);
    assertThat(txn.at("/spans/0/type").asString()).isEqualTo("db.postgresql.query");
    assertThat(txn.at("/context/tags/region").asString()).isEqualTo("eu");
    // The user's e-mail and name, and the request, go with errors only.
    assertThat(txn.at("/context/user").toString()).isEqualTo("{\"id\":\"42\"}");
    assertThat(txn.at("/context/request").isMissingNode()).isTrue();
    assertThat(txn.get("id").asString()).hasSize(16);
    assertThat(txn.get("trace_id").asString()).hasSize(32);
    // Counted in the aggregate; sent in full only as an example.
    assertThat(txn.get("aggregated").asBoolean()).isTrue();
    assertThat(intake.aggregates)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.get("name").asString()).isEqualTo("GET /users/{id}");
              assertThat(a.get("count").asLong()).isEqualTo(1);
              assertThat(a.get("failures").asLong()).isEqualTo(1);
              assertThat(a.get("timestamp").asString()).endsWith(":00.000Z");
              assertThat(a.get("sketch").asString()).isNotEmpty();
            });

    JsonNode error =
        intake.bodies.stream()
            .flatMap(b -> b.get("errors").valueStream())
            .findFirst()
            .orElseThrow();
    assertThat(error.get("transaction_id").asString()).isEqualTo(txn.get("id").asString());
    assertThat(error.at("/exception/type").asString()).isEqualTo("java.lang.IllegalStateException");
    assertThat(error.at("/exception/message").asString()).isEqualTo("boom \"quoted\"\nline");
    assertThat(error.at("/exception/cause/type").asString()).isEqualTo("java.io.IOException");
    JsonNode top = error.at("/exception/stacktrace/0");
    assertThat(top.get("module").asString()).isEqualTo(ReporterTest.class.getName());
    assertThat(top.get("in_app").asBoolean()).isTrue();
    assertThat(top.get("path").asString()).isEqualTo("io/upbeat/agent/ReporterTest.java");
    assertThat(error.get("culprit").asString())
        .isEqualTo(ReporterTest.class.getName() + ".sendsTransactionsSpansAndErrorsWithTheService");
    assertThat(error.at("/context/user/email").asString()).isEqualTo("ann@example.com");
    assertThat(error.at("/context/user/name").asString()).isEqualTo("Ann");
    assertThat(error.at("/context/request/method").asString()).isEqualTo("GET");
    assertThat(error.at("/context/request/url").asString()).isEqualTo("/users/42?x=1");
    assertThat(error.at("/context/request/headers/Accept").asString()).isEqualTo("*/*");
    assertThat(error.at("/context/tags/region").asString()).isEqualTo("eu");
  }

  @Test
  void everyExitSpanIsCountedPerDestinationWhateverTheSamplingAndSentWithTheAggregates() {
    // No sample budget and no sampled trace: the transactions are counted, never sent in full.
    Upbeat.start(config().samplesPerMinute(0).build(), intake);
    java.net.URI inventory = java.net.URI.create("http://inventory:8080/stock");
    for (int i = 0; i < 5; i++) {
      Transaction t = Upbeat.beginTransaction("GET /checkout", "request");
      try (Span call = ExitSpans.start(t, "GET", inventory)) {
        call.setOutcome(ExitSpans.outcome(i == 0 ? 503 : 200));
      }
      // Not an exit span: no destination, not counted.
      t.startSpan("render", "template").end();
      Span late = t.startSpan("SELECT", "db.postgresql.query").setDestination("postgresql");
      t.end();
      // Ended after its transaction, twice: counted once all the same.
      late.end();
      late.end();
    }
    Upbeat.stop();

    assertThat(intake.bodies).isEmpty();
    assertThat(intake.destinationAggregates)
        .extracting(a -> a.get("destination").asString())
        .containsExactlyInAnyOrder("inventory:8080", "postgresql");
    JsonNode calls =
        intake.destinationAggregates.stream()
            .filter(a -> a.get("destination").asString().equals("inventory:8080"))
            .findFirst()
            .orElseThrow();
    assertThat(calls.get("count").asLong()).isEqualTo(5);
    assertThat(calls.get("failures").asLong()).isEqualTo(1);
    assertThat(calls.get("timestamp").asString()).endsWith(":00.000Z");
    assertThat(calls.get("min_ms").asDouble())
        .isLessThanOrEqualTo(calls.get("max_ms").asDouble())
        .isGreaterThanOrEqualTo(0);
    assertThat(calls.get("sum_ms").asDouble())
        .isBetween(5 * calls.get("min_ms").asDouble(), 5 * calls.get("max_ms").asDouble());
    assertThat(calls.get("sketch").asString()).isNotEmpty();
    assertThat(
            intake.destinationAggregates.stream()
                .filter(a -> a.get("destination").asString().equals("postgresql"))
                .mapToLong(a -> a.get("count").asLong())
                .sum())
        .isEqualTo(5);
  }

  @Test
  void aRequestIsKeptWithinBounds() {
    Upbeat.start(config().build(), intake);
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      headers.put("X-H" + i, "v".repeat(10_000));
    }
    headers.put("X-Null", null);
    Transaction t = Upbeat.beginTransaction("GET /big", "request");
    t.setRequest("GET", "/big?" + "q".repeat(10_000), headers);
    t.captureException(new IllegalStateException("big"));
    t.end();
    Upbeat.stop();
    JsonNode request =
        intake.bodies.stream()
            .flatMap(b -> b.get("errors").valueStream())
            .findFirst()
            .orElseThrow()
            .at("/context/request");
    assertThat(request.get("url").asString()).hasSize(RealTransaction.MAX_URL_CHARS);
    assertThat(request.get("headers").properties()).hasSize(RealTransaction.MAX_HEADERS);
    assertThat(request.at("/headers/X-H0").asString()).hasSize(RealTransaction.MAX_VALUE_CHARS);
    assertThat(request.toString().length()).isLessThan(12 * 1024);
  }

  @Test
  void retriesWhatMaySucceedLaterAndDropsWhatIntakeRefuses() {
    intake.script.add(new Reporter.Transport.Answer(503, 0));
    intake.script.add(new Reporter.Transport.Answer(429, -1));
    Upbeat.start(config().build(), intake);
    Upbeat.beginTransaction("job", "scheduled").end();
    await().atMost(Duration.ofSeconds(10)).until(() -> Upbeat.reporterStats().sent() == 1);
    assertThat(intake.calls.get()).isEqualTo(3);
    assertThat(Upbeat.reporterStats().retries()).isEqualTo(2);

    intake.script.add(new Reporter.Transport.Answer(400, -1));
    Upbeat.beginTransaction("bad", "scheduled").end();
    await().atMost(Duration.ofSeconds(10)).until(() -> Upbeat.reporterStats().refused() == 1);
    assertThat(intake.calls.get()).isEqualTo(4); // a 400 is never retried
  }

  @Test
  void everyRetryOfABatchCarriesItsKeyAndEveryBatchItsOwn() {
    intake.script.add(new Reporter.Transport.Answer(503, 0));
    intake.script.add(new Reporter.Transport.Answer(502, -1));
    Upbeat.start(config().build(), intake);
    Upbeat.beginTransaction("first", "scheduled").end();
    await().atMost(Duration.ofSeconds(10)).until(() -> Upbeat.reporterStats().sent() == 1);
    intake.down = true; // a network error: the answer is lost, the batch is retried
    Upbeat.beginTransaction("second", "scheduled").end();
    await().atMost(Duration.ofSeconds(10)).until(() -> intake.calls.get() >= 5);
    intake.down = false;
    await().atMost(Duration.ofSeconds(10)).until(() -> Upbeat.reporterStats().sent() == 2);

    List<String> keys = List.copyOf(intake.keys);
    List<String> names = List.copyOf(intake.names);
    int firsts = 3; // 503, 502, 202
    assertThat(keys).hasSizeGreaterThanOrEqualTo(firsts + 3);
    assertThat(names.subList(0, firsts)).containsOnly("[first]");
    assertThat(keys.subList(0, firsts)).containsOnly(keys.get(0));
    List<String> seconds = keys.subList(firsts, keys.size());
    assertThat(seconds).containsOnly(seconds.get(0));
    assertThat(seconds.get(0)).isNotEqualTo(keys.get(0));
    // Keys intake takes: 1 to 128 printable ASCII characters.
    assertThat(keys).allSatisfy(k -> assertThat(k).matches("[\\x20-\\x7E]{1,128}"));
  }

  @Test
  void anIntakeThatIsDownNeverBlocksTheAppAndItsBacklogIsBounded() {
    intake.down = true;
    Upbeat.start(
        config().queueCapacity(1_000).maxBatch(100).samplesPerMinute(100_000).build(), intake);
    long start = System.nanoTime();
    for (int i = 0; i < 20_000; i++) {
      Upbeat.beginTransaction("GET /", "request").end();
    }
    // 20,000 transactions were ended while nothing could be sent: none waited for the network.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    Reporter.Stats s = Upbeat.reporterStats();
    assertThat(s.queued()).isLessThanOrEqualTo(1_000 + 100); // the queue plus one batch in hand
    assertThat(s.dropped()).isEqualTo(20_000 - s.queued());
    assertThat(s.sent()).isZero();

    intake.down = false; // intake is back: the backlog goes out, then new events too
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Upbeat.reporterStats().sent() == Upbeat.reporterStats().queued());
    Upbeat.beginTransaction("after", "request").end();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Upbeat.reporterStats().sent() == Upbeat.reporterStats().queued());
    assertThat(
            intake.bodies.stream()
                .flatMap(b -> b.get("transactions").valueStream())
                .map(t -> t.get("name").asString()))
        .contains("after");
  }

  @Test
  void theQueuesMemoryIsBoundedInBytesWhateverTheEventsSize() {
    intake.down = true;
    long budget = 2L * 1024 * 1024;
    Upbeat.start(config().queueCapacity(100_000).maxQueueBytes(budget).build(), intake);
    String big = "x".repeat(20_000); // about 40 KB per error as queued
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long before = rt.totalMemory() - rt.freeMemory();
    long start = System.nanoTime();
    for (int i = 0; i < 20_000; i++) {
      Upbeat.captureException(new IllegalStateException(big + i));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    Reporter.Stats s = Upbeat.reporterStats();
    assertThat(s.queuedBytes()).isBetween(1L, budget);
    assertThat(s.queued()).isLessThan(100); // about budget / 40 KB (plus one batch in hand)
    assertThat(s.dropped()).isEqualTo(20_000 - s.queued());
    System.gc();
    long after = rt.totalMemory() - rt.freeMemory();
    // Unbounded, 20,000 messages of 40 KB would hold 800 MB; bounded, the backlog is ~2 MB.
    assertThat(after - before).isLessThan(100L * 1024 * 1024);

    intake.down = false;
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Upbeat.reporterStats().sent() == Upbeat.reporterStats().queued());
    assertThat(Upbeat.reporterStats().queuedBytes()).isZero();
  }

  @Test
  void everyTransactionIsCountedInTheAggregatesButOnlyAFewAreSentInFull() throws Exception {
    Upbeat.start(
        config().samplesPerMinute(3).metricsInterval(Duration.ofMillis(100)).build(), intake);
    int threads = 4;
    int each = 5_000;
    Thread[] workers = new Thread[threads];
    for (int w = 0; w < threads; w++) {
      workers[w] =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  Transaction t =
                      Upbeat.beginTransaction(i % 2 == 0 ? "GET /a" : "GET /b", "request");
                  if (i % 10 == 0) {
                    t.setOutcome(Transaction.Outcome.FAILURE);
                  }
                  t.end();
                }
              });
      workers[w].start();
    }
    for (Thread w : workers) {
      w.join();
    }
    Upbeat.stop();
    long counted = intake.aggregates.stream().mapToLong(a -> a.get("count").asLong()).sum();
    long failures = intake.aggregates.stream().mapToLong(a -> a.get("failures").asLong()).sum();
    assertThat(counted).isEqualTo(threads * each);
    assertThat(failures).isEqualTo(threads * each / 10);
    long full = intake.bodies.stream().mapToLong(b -> b.get("transactions").size()).sum();
    // Three per name and minute (the run may straddle a minute boundary).
    assertThat(full).isBetween(6L, 12L);
  }

  @Test
  void theCurrentTransactionFollowsItsThreadIncludingVirtualOnes() throws Exception {
    Upbeat.start(config().build(), intake);
    Runnable work =
        () -> {
          Transaction t = Upbeat.beginTransaction("virtual", "job");
          Upbeat.captureException(new RuntimeException("in a virtual thread"));
          t.end();
        };
    // The agent targets Java 17; virtual threads exist from Java 21 (the build runs on 25).
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    Thread vt =
        (Thread)
            Class.forName("java.lang.Thread$Builder")
                .getMethod("start", Runnable.class)
                .invoke(builder, work);
    vt.join();
    assertThat(Upbeat.currentTransaction().isNoop()).isTrue(); // not this thread's
    Upbeat.stop();
    JsonNode txn =
        intake.bodies.stream()
            .flatMap(b -> b.get("transactions").valueStream())
            .findFirst()
            .orElseThrow();
    JsonNode err =
        intake.bodies.stream()
            .flatMap(b -> b.get("errors").valueStream())
            .findFirst()
            .orElseThrow();
    assertThat(err.get("transaction_id").asString()).isEqualTo(txn.get("id").asString());
    assertThat(err.get("transaction_name").asString()).isEqualTo("virtual");
  }

  @Test
  void nestedTransactionsRestoreTheirParentAndOneEndedElsewhereIsNoLongerCurrent()
      throws Exception {
    Upbeat.start(config().build(), intake);
    Transaction outer = Upbeat.beginTransaction("outer", "job");
    Transaction inner = Upbeat.beginTransaction("inner", "job");
    assertThat(Upbeat.currentTransaction()).isSameAs(inner);
    inner.end();
    assertThat(Upbeat.currentTransaction()).isSameAs(outer);

    Thread elsewhere = new Thread(outer::end);
    elsewhere.start();
    elsewhere.join();
    assertThat(Upbeat.currentTransaction().isNoop()).isTrue();
    Transaction next = Upbeat.beginTransaction("next", "job");
    next.end();
    // The transaction ended on the other thread does not come back as this thread's parent.
    assertThat(Upbeat.currentTransaction().isNoop()).isTrue();
  }

  @Test
  void aDetachedTransactionLeavesItsThreadAndIsEndedLaterOnAnother() throws Exception {
    Upbeat.start(config().build(), intake);
    Transaction outer = Upbeat.beginTransaction("outer", "job");
    Transaction async = Upbeat.beginTransaction("GET /async", "request");
    // Detached on another thread: nothing happens to this thread's current transaction.
    Thread other = new Thread(async::detach);
    other.start();
    other.join();
    assertThat(Upbeat.currentTransaction()).isSameAs(async);

    async.detach();
    assertThat(Upbeat.currentTransaction()).isSameAs(outer);
    Transaction next = Upbeat.beginTransaction("next", "job");
    next.end();
    // The detached transaction does not come back as this thread's current one.
    assertThat(Upbeat.currentTransaction()).isSameAs(outer);
    Upbeat.captureException(new IllegalStateException("of outer"));

    // The thread that finishes the work adds to it and ends it.
    Thread finisher =
        new Thread(
            () -> {
              async.startSpan("SELECT FROM orders", "db.postgresql.query").end();
              async.captureException(new IllegalArgumentException("of async"));
              async.setResult("HTTP 2xx").end();
            });
    finisher.start();
    finisher.join();
    outer.end();
    assertThat(Upbeat.currentTransaction().isNoop()).isTrue();

    // Detached while a transaction begun within it was current: skipped once that one ends.
    Transaction parent = Upbeat.beginTransaction("parent", "job");
    Transaction child = Upbeat.beginTransaction("child", "job");
    parent.detach();
    assertThat(Upbeat.currentTransaction()).isSameAs(child);
    child.end();
    assertThat(Upbeat.currentTransaction().isNoop()).isTrue();
    parent.end();
    Upbeat.stop();

    List<JsonNode> txns =
        intake.bodies.stream().flatMap(b -> b.get("transactions").valueStream()).toList();
    JsonNode sent =
        txns.stream()
            .filter(t -> t.get("name").asString().equals("GET /async"))
            .findFirst()
            .orElseThrow();
    assertThat(sent.at("/spans/0/name").asString()).isEqualTo("SELECT FROM orders");
    assertThat(sent.get("result").asString()).isEqualTo("HTTP 2xx");
    JsonNode outerSent =
        txns.stream()
            .filter(t -> t.get("name").asString().equals("outer"))
            .findFirst()
            .orElseThrow();
    List<JsonNode> errors =
        intake.bodies.stream().flatMap(b -> b.get("errors").valueStream()).toList();
    assertThat(errors)
        .extracting(
            e -> e.at("/exception/message").asString(), e -> e.get("transaction_id").asString())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("of outer", outerSent.get("id").asString()),
            org.assertj.core.groups.Tuple.tuple("of async", sent.get("id").asString()));
  }

  @Test
  void anActivatedTransactionIsCurrentOnAnotherThreadUntilItsScopeCloses() throws Exception {
    Upbeat.start(config().build(), intake);
    Transaction request = Upbeat.beginTransaction("GET /later", "request");
    request.detach();
    assertThat(Upbeat.currentTransaction().isNoop()).isTrue();

    java.util.List<Object> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread worker =
        new Thread(
            () -> {
              Transaction own = Upbeat.beginTransaction("worker's own", "job");
              try (Transaction.Scope scope = request.activate()) {
                seen.add(Upbeat.currentTransaction()); // the activated one, not the worker's own
                Upbeat.currentTransaction().startSpan("SELECT FROM orders", "db.h2.query").end();
                Upbeat.captureException(new IllegalStateException("in the task"));
                // A transaction begun within it is nested, and it is current again afterwards.
                Transaction nested = Upbeat.beginTransaction("nested", "job");
                seen.add(Upbeat.currentTransaction() == nested);
                nested.end();
                seen.add(Upbeat.currentTransaction());
              }
              seen.add(Upbeat.currentTransaction()); // the worker's own, put aside meanwhile
              own.end();
              seen.add(Upbeat.currentTransaction().isNoop());
              // An ended transaction is not activated.
              Transaction done = Upbeat.beginTransaction("done", "job");
              done.end();
              try (Transaction.Scope scope = done.activate()) {
                seen.add(Upbeat.currentTransaction().isNoop());
              }
            });
    worker.start();
    worker.join();
    request.setResult("HTTP 2xx").end();
    Upbeat.stop();

    assertThat(seen).hasSize(6);
    assertThat(seen.get(0)).isSameAs(request);
    assertThat(seen.get(1)).isEqualTo(true);
    assertThat(seen.get(2)).isSameAs(request);
    assertThat(seen.get(3)).isNotSameAs(request).matches(t -> !((Transaction) t).isNoop());
    assertThat(seen.subList(4, 6)).containsExactly(true, true);
    JsonNode sent =
        intake.bodies.stream()
            .flatMap(b -> b.get("transactions").valueStream())
            .filter(t -> t.get("name").asString().equals("GET /later"))
            .findFirst()
            .orElseThrow();
    assertThat(sent.at("/spans/0/name").asString()).isEqualTo("SELECT FROM orders");
    JsonNode error =
        intake.bodies.stream()
            .flatMap(b -> b.get("errors").valueStream())
            .findFirst()
            .orElseThrow();
    assertThat(error.get("transaction_id").asString()).isEqualTo(sent.get("id").asString());
  }

  @Test
  void aTransactionNamedByItsNamerIsNamedAsOfWhenTheNameIsNeeded() throws Exception {
    Upbeat.start(config().build(), intake);
    java.util.concurrent.atomic.AtomicReference<String> route =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.function.Function<java.util.concurrent.atomic.AtomicReference<String>, String> namer =
        r -> r.get() == null ? "GET unknown route" : "GET " + r.get();

    Transaction t = Upbeat.beginTransaction("request", route, namer);
    Upbeat.captureException(new IllegalStateException("before the route is known"));
    route.set("/orders/{id}");
    Upbeat.captureException(new IllegalStateException("once it is"));
    t.end();

    // Set by hand, the name no longer comes from the namer; a namer that fails or answers
    // nothing leaves the transaction "unnamed" and the application unharmed.
    Upbeat.beginTransaction("request", route, namer).setName("GET /by-hand").end();
    Upbeat.beginTransaction("request", route, r -> null).end();
    Upbeat.beginTransaction(
            "request",
            route,
            r -> {
              throw new IllegalStateException("a broken namer");
            })
        .end();
    Upbeat.stop();

    assertThat(
            intake.bodies.stream()
                .flatMap(b -> b.get("errors").valueStream())
                .map(e -> e.get("transaction_name").asString()))
        .containsExactly("GET unknown route", "GET /orders/{id}");
    assertThat(
            intake.bodies.stream()
                .flatMap(b -> b.get("transactions").valueStream())
                .map(e -> e.get("name").asString()))
        .containsExactlyInAnyOrder("GET /orders/{id}", "GET /by-hand", "unnamed", "unnamed");
  }

  @Test
  void anInstrumentedHttpClientRecordsEachCallAsASpan() throws Exception {
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
    try {
      Upbeat.start(config().build(), intake);
      java.net.http.HttpClient http = Upbeat.instrument(java.net.http.HttpClient.newHttpClient());
      java.net.URI uri =
          java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/x");
      http.send(
          java.net.http.HttpRequest.newBuilder(uri).build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
      Transaction t = Upbeat.beginTransaction("job", "scheduled");
      http.send(
          java.net.http.HttpRequest.newBuilder(uri).build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
      http.sendAsync(
              java.net.http.HttpRequest.newBuilder(uri).build(),
              java.net.http.HttpResponse.BodyHandlers.discarding())
          .get();
      t.end();
      Upbeat.stop();
    } finally {
      server.stop(0);
    }
    JsonNode txn =
        intake.bodies.stream()
            .flatMap(b -> b.get("transactions").valueStream())
            .findFirst()
            .orElseThrow();
    assertThat(txn.get("spans").size()).isEqualTo(2); // the call outside the transaction has none
    assertThat(txn.at("/spans/0/name").asString()).startsWith("GET 127.0.0.1:");
    assertThat(txn.at("/spans/0/type").asString()).isEqualTo("external.http");
  }

  @Test
  void beforeStartEverythingIsASafeNoop() {
    Transaction t = Upbeat.beginTransaction("x", "y");
    assertThat(t.isNoop()).isTrue();
    assertThat(t.startSpan("s", "t")).isNotNull();
    t.setName(null).setTag(null, null).setResult("r").end();
    Upbeat.captureException(new RuntimeException());
    assertThat(Upbeat.currentTransaction()).isNotNull();
    assertThat(Upbeat.stats()).isEqualTo("not started");
  }

  @Test
  void readsItsConfigurationFromTheEnvironment() {
    UpbeatConfig c =
        UpbeatConfig.fromEnvironment(
            java.util.Map.of(
                "UPBEAT_SERVER_URL", "http://intake:8200/",
                "UPBEAT_SECRET_TOKEN", "ub_app_x",
                "UPBEAT_SERVICE_NAME", "shop",
                "UPBEAT_APP_PACKAGES", "com.shop, com.shared",
                "UPBEAT_SAMPLES_PER_MINUTE", "4",
                "UPBEAT_METRICS_INTERVAL", "30"));
    assertThat(c.serverUrl.toString()).isEqualTo("http://intake:8200");
    assertThat(c.samplesPerMinute).isEqualTo(4);
    assertThat(c.metricsInterval).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.appPackages).containsExactly("com.shop.", "com.shared.");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> UpbeatConfig.fromEnvironment(java.util.Map.of("UPBEAT_SERVER_URL", "http://x")))
        .hasMessageContaining("UPBEAT_SECRET_TOKEN");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> UpbeatConfig.builder().serverUrl("ftp://x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
