package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.Span;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.errors.ErrorStore;
import io.upbeat.processor.errors.ErrorWork;
import io.upbeat.processor.errors.InAppRules;
import io.upbeat.processor.errors.Wrappers;
import io.upbeat.processor.samples.SampleStore;
import io.upbeat.processor.samples.SampleWork;
import io.upbeat.processor.tail.RecordedTraces;
import io.upbeat.processor.tail.TailStore;
import io.upbeat.processor.tail.TailWork;
import io.upbeat.processor.tail.TraceDecisions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tail decision (M15) on the real embedded Kafka and PostgreSQL: a trace that nothing kept by
 * its hash is kept after the window in every app, because one app reported an error in it or one of
 * its transactions failed; an uninteresting one is not; two processors and a failed commit neither
 * store a transaction twice nor lose one.
 */
class ITTailPipeline {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final int PARTITIONS = 3;
  private static final Duration WINDOW = Duration.ofSeconds(6);
  private final UUID shop = UUID.randomUUID();
  private final UUID stock = UUID.randomUUID();
  private final Instant started = Instant.now().minusSeconds(60);
  private final List<PipelineFixture.Running> running = new ArrayList<>();
  private PipelineFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", PARTITIONS);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (PipelineFixture.Running r : running) {
      r.stop();
    }
    f.close();
  }

  @Test
  void tracesWithAnErrorOrAFailureAreKeptWholeAfterTheWindow() throws Exception {
    SimpleMeterRegistry tailMeters = new SimpleMeterRegistry();
    running.add(errors());
    running.add(samples());
    PipelineFixture.Running tail = tail("tail", WINDOW, tailMeters, null);
    running.add(tail);
    await().atMost(Duration.ofSeconds(30)).until(tail::assigned);

    // Trace "err": shop calls stock, neither kept by its hash; stock reports an error.
    String err = trace(1);
    f.send(0, batch(shop, List.of(txn(err, "a1", null, "success", 40)), List.of(), List.of()));
    f.send(
        1,
        batch(
            stock,
            List.of(txn(err, "b1", "a1span", "success", 20)),
            List.of(errorIn(err, "b1")),
            List.of()));
    // Trace "fail": shop's part failed, so intake sent it in full too (a sample, with its spans);
    // stock's part is only counted.
    String fail = trace(2);
    TransactionEvent failed = txn(fail, "a2", null, "failure", 30);
    TransactionEvent failedFull = withSpan(failed);
    f.send(0, batch(shop, List.of(failed), List.of(), List.of(failedFull)));
    f.send(
        2, batch(stock, List.of(txn(fail, "b2", "a2span", "success", 10)), List.of(), List.of()));
    // Trace "late": stock's part comes first, shop's error later (below).
    String late = trace(3);
    f.send(
        1, batch(stock, List.of(txn(late, "b3", "a3span", "success", 10)), List.of(), List.of()));
    // Trace "fine": nothing wrong anywhere: not kept.
    String fine = trace(4);
    f.send(0, batch(shop, List.of(txn(fine, "a4", null, "success", 12)), List.of(), List.of()));
    f.send(2, batch(stock, List.of(txn(fine, "b4", "a4span", "success", 8)), List.of(), List.of()));
    // Once the first error is recorded (a second or so), shop reports the late one: still within
    // the window of stock's part, which the tail pipeline has therefore not passed yet.
    await().atMost(Duration.ofSeconds(30)).until(() -> reason(err) != null);
    f.send(2, batch(shop, List.of(), List.of(errorIn(late, "a3")), List.of()));

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(kept(err)).containsExactlyInAnyOrder("a1:tail", "b1:tail");
              assertThat(kept(fail)).containsExactlyInAnyOrder("a2:head", "b2:tail");
              assertThat(kept(late)).containsExactly("b3:tail");
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("tail").equals(f.endOffsets()));
    assertThat(kept(fine)).isEmpty();
    assertThat(
            f.value(
                "SELECT count(*) FROM tail_traces WHERE trace_id = '"
                    + fine
                    + "' OR trace_id LIKE 'fff%'"))
        .isZero();
    assertThat(reason(err)).isEqualTo("error");
    assertThat(reason(fail)).isEqualTo("failure");
    assertThat(reason(late)).isEqualTo("error");
    // The tail's samples carry the trace links and no spans; the failed part keeps its spans.
    assertThat(
            f.value(
                "SELECT count(*) FROM txn_samples WHERE trace_id = '"
                    + err
                    + "' AND kept = 'tail' AND spans = '[]'::jsonb"))
        .isEqualTo(2);
    assertThat(
            f.value(
                "SELECT count(*) FROM txn_samples WHERE transaction_id = 'b1'"
                    + " AND parent_id = 'a1span' AND app_id = '"
                    + stock
                    + "'"))
        .isEqualTo(1);
    assertThat(
            f.value(
                "SELECT jsonb_array_length(spans) FROM txn_samples WHERE transaction_id = 'a2'"))
        .isEqualTo(1);
    assertThat(tailMeters.counter("upbeat.processor.samples", "result", "tail").count())
        .isEqualTo(4);
    // The records of trace "fine" (and those whose only transactions were kept in full) were
    // passed over by their trace-keys header, undecoded.
    assertThat(tail.count("upbeat.processor.records.skipped", "pipeline", "tail"))
        .isGreaterThanOrEqualTo(2);
  }

  /**
   * Two processors, each owning every partition (two consumer groups: what a rebalance can do at
   * worst), store each transaction of a recorded trace exactly once and lose none.
   */
  @Test
  void twoProcessorsStoreEachTransactionOnce() throws Exception {
    List<String> recorded = new ArrayList<>();
    int expected = 0;
    for (int i = 0; i < 30; i++) {
      String kept = trace(100 + i);
      String passed = trace(200 + i);
      recorded.add(kept);
      List<TransactionEvent> txns = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        txns.add(txn(kept, "k" + i + "x" + t, null, "success", 5));
        txns.add(txn(passed, "p" + i + "x" + t, null, "success", 5));
      }
      expected += 3;
      f.send(i % PARTITIONS, batch(i % 2 == 0 ? shop : stock, txns, List.of(), List.of()));
    }
    record(recorded);
    running.add(tail("tail-a", Duration.ofMillis(500), new SimpleMeterRegistry(), null));
    running.add(tail("tail-b", Duration.ofMillis(500), new SimpleMeterRegistry(), null));
    int total = expected;
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(tailSamples()).isEqualTo(total));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("tail").equals(f.endOffsets()));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> tailSamples() == total);
    assertThat(
            f.value(
                "SELECT count(*) FROM (SELECT transaction_id FROM txn_samples"
                    + " GROUP BY transaction_id HAVING count(*) > 1) d"))
        .isZero();
    assertThat(f.value("SELECT count(*) FROM txn_samples WHERE transaction_id LIKE 'p%'")).isZero();
  }

  /**
   * A commit that fails after its effects (the connection lost at the end) is rolled back whole and
   * retried; a restart reads again from the stored offsets: nothing twice, nothing lost, and the
   * failed attempt is not counted.
   */
  @Test
  void aFailedCommitAndARestartStoreEachTransactionOnce() throws Exception {
    List<String> recorded = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String kept = trace(300 + i);
      recorded.add(kept);
      f.send(
          i % PARTITIONS,
          batch(shop, List.of(txn(kept, "r" + i, null, "success", 5)), List.of(), List.of()));
    }
    record(recorded);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AtomicBoolean failOnce = new AtomicBoolean(true);
    PipelineFixture.Running first = tail("tail", Duration.ofMillis(500), meters, failOnce);
    await().atMost(Duration.ofSeconds(60)).until(() -> tailSamples() == 12);
    assertThat(failOnce.get()).isFalse();
    first.stop();

    for (int i = 12; i < 18; i++) {
      String kept = trace(300 + i);
      record(List.of(kept));
      f.send(
          i % PARTITIONS,
          batch(stock, List.of(txn(kept, "r" + i, null, "success", 5)), List.of(), List.of()));
    }
    PipelineFixture.Running second = tail("tail", Duration.ofMillis(500), meters, null);
    running.add(second);
    await().atMost(Duration.ofSeconds(60)).until(() -> tailSamples() == 18);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("tail").equals(f.endOffsets()));
    assertThat(tailSamples()).isEqualTo(18);
    assertThat(meters.counter("upbeat.processor.samples", "result", "tail").count()).isEqualTo(18);
  }

  private long tailSamples() throws Exception {
    return f.value("SELECT count(*) FROM txn_samples WHERE kept = 'tail'");
  }

  private void record(List<String> traces) throws Exception {
    for (String t : traces) {
      f.execute(
          "INSERT INTO tail_traces (trace_id, app_id, reason, decided_at) VALUES ('"
              + t
              + "', '"
              + shop
              + "', 'error', now())");
    }
  }

  private List<String> kept(String trace) throws Exception {
    return strings(
        "SELECT transaction_id || ':' || kept FROM txn_samples WHERE trace_id = '" + trace + "'");
  }

  private String reason(String trace) throws Exception {
    List<String> reasons =
        strings("SELECT reason FROM tail_traces WHERE trace_id = '" + trace + "'");
    return reasons.isEmpty() ? null : reasons.getFirst();
  }

  private List<String> strings(String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = f.db.getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private PipelineFixture.Running errors() {
    return f.start(
        "errors",
        EventBatchCodec.Parts.ERRORS,
        "processor-errors",
        f.producer(),
        new LedgerStore<>(new OffsetLedger(f.db, "errors"), new ErrorStore(5)),
        meters ->
            ErrorWork.factory(
                5,
                meters,
                new InAppRules(),
                Wrappers.defaults(),
                TraceDecisions.Policy.of(100, 1000, Clock.systemUTC(), "errors", meters)));
  }

  private PipelineFixture.Running samples() {
    return f.start(
        "samples",
        EventBatchCodec.Parts.SAMPLES,
        "processor-samples",
        f.producer(),
        new LedgerStore<>(new OffsetLedger(f.db, "samples"), new SampleStore(f.db, 7)),
        meters ->
            SampleWork.factory(
                10,
                10_000,
                Clock.systemUTC(),
                7,
                meters,
                TraceDecisions.Policy.of(100, 1000, Clock.systemUTC(), "samples", meters)));
  }

  /**
   * The tail pipeline in consumer group {@code group}; when {@code failOnce} is set, its first
   * commit that stores samples fails after its effects, as if the connection were lost then.
   */
  private PipelineFixture.Running tail(
      String group, Duration window, SimpleMeterRegistry meters, AtomicBoolean failOnce) {
    DataSource db = failOnce == null ? f.db : failingCommit(f.db, failOnce);
    TailStore effects = new TailStore(f.db, 7, 10_000, meters);
    return f.start(
        "tail",
        EventBatchCodec.Parts.TRACE_LINKS,
        group,
        f.producer(),
        effects.through(new OffsetLedger(db, "tail")),
        m ->
            TailWork.factory(
                Clock.systemUTC(),
                7,
                new RecordedTraces(
                    RecordedTraces.table(f.db),
                    Clock.systemUTC(),
                    Duration.ofMillis(500),
                    RecordedTraces.KEEP,
                    10_000,
                    m),
                m),
        DeletedApps.NONE,
        new ReadDelay(window, Clock.systemUTC()));
  }

  /**
   * {@code db}, whose first commit of a transaction that inserted samples throws as a lost
   * connection would (SQLState 08006): PostgreSQL then rolls the transaction back.
   */
  private static DataSource failingCommit(DataSource db, AtomicBoolean failOnce) {
    return (DataSource)
        Proxy.newProxyInstance(
            ITTailPipeline.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(db, method, args);
              if (!method.getName().equals("getConnection")) {
                return result;
              }
              Connection real = (Connection) result;
              AtomicBoolean inserted = new AtomicBoolean();
              return Proxy.newProxyInstance(
                  ITTailPipeline.class.getClassLoader(),
                  new Class<?>[] {Connection.class},
                  (c, m, a) -> {
                    if (m.getName().equals("prepareStatement")
                        && String.valueOf(a[0]).contains("INSERT INTO txn_samples")) {
                      inserted.set(true);
                    }
                    if (m.getName().equals("commit")
                        && inserted.getAndSet(false)
                        && failOnce.getAndSet(false)) {
                      throw new SQLTransientConnectionException("connection lost", "08006");
                    }
                    if (m.getName().equals("rollback")) {
                      inserted.set(false);
                    }
                    return invoke(real, m, a);
                  });
            });
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static String trace(int n) {
    return String.format("%032x", 0xfff0000L + n);
  }

  private EventBatch batch(
      UUID app,
      List<TransactionEvent> txns,
      List<ErrorEvent> errors,
      List<TransactionEvent> samples) {
    return new EventBatch(
        UUID.randomUUID(),
        app,
        Instant.now(),
        new ServiceInfo(app.equals(shop) ? "shop" : "stock", null, "1.0", null, null, null, null),
        txns,
        errors,
        samples,
        List.of());
  }

  private TransactionEvent txn(String trace, String id, String parent, String outcome, double ms) {
    return new TransactionEvent(
        id,
        trace,
        "GET /" + id,
        "request",
        started,
        ms,
        "HTTP 2xx",
        outcome,
        List.of(),
        null,
        parent,
        null);
  }

  private static TransactionEvent withSpan(TransactionEvent t) {
    return t.withText(
        t.name(),
        List.of(new Span("SELECT", "db.postgresql.query", 1.0, 2.0, "s1", t.id(), null, null)),
        null);
  }

  private static ErrorEvent errorIn(String trace, String transactionId) {
    ErrorEvent e = error("com.shop.Boom", "boom", "GET /x");
    return new ErrorEvent(
        null,
        e.timestamp(),
        transactionId,
        e.transactionName(),
        e.level(),
        e.culprit(),
        e.exception(),
        null,
        null,
        trace,
        transactionId + "span");
  }
}
