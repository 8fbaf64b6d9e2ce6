package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A commit that fails after its effects were written (the transaction rolled back: connection lost,
 * serialization failure, commit refused) and is retried with the same work stores the work once:
 * the effects never change the work they write.
 */
class ITRetriedCommit {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private PipelineFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", 1);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  /** The effects, then a transient fault (SQLState 40001) once, as if the commit failed. */
  private static <W extends PartitionWork> Effects<W> failingOnceAfter(
      Effects<W> effects, AtomicBoolean fail) {
    return new Effects<>() {
      @Override
      public int write(Connection c, List<WorkStore.Flush<W>> flushes) throws SQLException {
        int rows = effects.write(c, flushes);
        if (fail.getAndSet(false)) {
          throw new SQLException("could not serialize access (test)", "40001");
        }
        return rows;
      }

      @Override
      public void prepare(LocalDate today) throws SQLException {
        effects.prepare(today);
      }
    };
  }

  @Test
  void metricsRetriedAfterAFailedCommitAreCountedOnce() throws Exception {
    AtomicBoolean fail = new AtomicBoolean();
    LedgerStore<MetricsWork> store =
        new LedgerStore<>(
            new OffsetLedger(f.db, "metrics"), failingOnceAfter(new MetricsStore(f.db, 7), fail));
    store.prepare(LocalDate.now(ZoneOffset.UTC));
    store.claim(f.topic, Map.of(0, 0L));
    Supplier<MetricsWork> works =
        MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, new SimpleMeterRegistry());

    MetricsWork first = works.get();
    first.add(batch(app, List.of(txn("GET /a", 10), txn("GET /a", 20)), List.of()));
    store.commit(f.topic, List.of(new WorkStore.Flush<>(0, 0L, 1, first)));

    MetricsWork second = works.get();
    second.add(batch(app, List.of(txn("GET /a", 30)), List.of()));
    List<WorkStore.Flush<MetricsWork>> flush = List.of(new WorkStore.Flush<>(0, 1L, 2, second));
    fail.set(true);
    assertThatThrownBy(() -> store.commit(f.topic, flush))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(Fault.of(e)).isEqualTo(Fault.TRANSIENT));
    store.commit(f.topic, flush); // the pipeline's retry, with the same work

    assertThat(sum("count")).isEqualTo(3);
    assertThat(sum("sum_ms")).isEqualTo(60);
    assertThat(f.storedOffsets("metrics")).containsEntry(0, 2L);
  }

  private long sum(String column) throws Exception {
    return f.value(
        "SELECT coalesce(sum("
            + column
            + "), 0)::bigint FROM txn_metrics_1m WHERE txn_name = 'GET /a' AND app_id = '"
            + app
            + "'");
  }
}
