package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The agent's aggregates: exact counts under concurrent drains, and percentiles within 1%. */
class TransactionMetricsTest {
  private static final long MINUTE = 60_000L;
  private static final long T0 = 1_795_000_000_000L - 1_795_000_000_000L % MINUTE;

  @Test
  void countsSumsAndPercentilesMatchTheExactValues() throws Exception {
    TransactionMetrics m = new TransactionMetrics(100, 0);
    double[] durations = new double[10_001];
    for (int i = 0; i < durations.length; i++) {
      durations[i] = Math.exp(ThreadLocalRandom.current().nextDouble(-3, 9)); // 0.05 ms .. 2 h
      assertThat(m.record("GET /x", "request", T0 + 5_000, durations[i], i % 7 == 0, false, false))
          .isFalse();
    }
    List<TransactionMetrics.Aggregate> out = m.drain(T0 + 10_000);
    assertThat(out).hasSize(1);
    TransactionMetrics.Aggregate a = out.get(0);
    assertThat(a.minute()).isEqualTo(T0 / MINUTE);
    assertThat(a.totals().count()).isEqualTo(durations.length);
    assertThat(a.totals().failures()).isEqualTo((durations.length + 6) / 7);
    assertThat(a.totals().sumMs())
        .isCloseTo(Arrays.stream(durations).sum(), org.assertj.core.data.Offset.offset(1e-3));
    Arrays.sort(durations);
    assertThat(a.totals().minMs()).isEqualTo(durations[0]);
    assertThat(a.totals().maxMs()).isEqualTo(durations[durations.length - 1]);

    DDSketch sketch =
        DDSketch.decode(
            ByteArrayInput.wrap(Base64.getDecoder().decode(a.totals().sketchBase64())),
            UnboundedSizeDenseStore::new,
            new LogarithmicMapping(0.005));
    assertThat(sketch.getCount()).isEqualTo(durations.length);
    for (double q : new double[] {0.5, 0.9, 0.95, 0.99}) {
      double exact = durations[(int) Math.ceil(q * durations.length) - 1];
      assertThat(sketch.getValueAtQuantile(q))
          .isCloseTo(exact, org.assertj.core.data.Percentage.withPercentage(1));
    }
    assertThat(m.drain(T0 + 20_000)).isEmpty(); // nothing new since
  }

  @Test
  void nothingIsLostOrCountedTwiceWhileDrainsRunConcurrently() throws Exception {
    TransactionMetrics m = new TransactionMetrics(10_000, 0);
    int threads = 3;
    int each = 200_000;
    CountDownLatch done = new CountDownLatch(threads);
    AtomicBoolean go = new AtomicBoolean(true);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  // Minutes move on, so old cells are forgotten while threads still write.
                  long at = T0 + (long) i * 3 * MINUTE / each;
                  m.record("n" + (i % 5), "request", at, 1.5, false, false, false);
                }
                done.countDown();
              });
      workers.add(t);
      t.start();
    }
    long counted = 0;
    long now = T0;
    while (done.getCount() > 0) {
      now += 500;
      for (TransactionMetrics.Aggregate a : m.drain(now)) {
        counted += a.totals().count();
      }
    }
    for (TransactionMetrics.Aggregate a : m.drain(now + 10 * MINUTE)) {
      counted += a.totals().count();
    }
    go.set(false);
    assertThat(counted).isEqualTo((long) threads * each);
    assertThat(m.drain(now + 20 * MINUTE)).isEmpty();
    assertThat(m.cells()).isZero(); // idle old cells were forgotten
  }

  @Test
  void theFirstFewOfEachNameAndMinuteAreSampledAndErrorsGetTheirOwnAllowance() {
    TransactionMetrics m = new TransactionMetrics(100, 2);
    assertThat(m.record("a", "request", T0, 1, false, false, false)).isTrue();
    assertThat(m.record("a", "request", T0, 1, false, false, false)).isTrue();
    assertThat(m.record("a", "request", T0, 1, false, false, false)).isFalse();
    assertThat(m.record("a", "request", T0, 1, true, true, false)).isTrue();
    assertThat(m.record("b", "request", T0, 1, false, false, false)).isTrue();
    assertThat(m.record("a", "request", T0 + MINUTE, 1, false, false, false))
        .isTrue(); // a new minute
  }

  @Test
  void aSampledTraceIsSentInFullWithoutTakingFromTheBudget() {
    TransactionMetrics m = new TransactionMetrics(100, 1);
    for (int i = 0; i < 5; i++) {
      assertThat(m.record("a", "request", T0, 1, false, false, true)).isTrue();
    }
    // The budget is still whole for an unsampled one, and then spent.
    assertThat(m.record("a", "request", T0, 1, false, false, false)).isTrue();
    assertThat(m.record("a", "request", T0, 1, false, false, false)).isFalse();
    // Counted all the same.
    assertThat(m.drain(T0).get(0).totals().count()).isEqualTo(7);
  }

  @Test
  void beyondTheCellLimitNewNamesAreCountedAsOther() {
    TransactionMetrics m = new TransactionMetrics(3, 0);
    for (int i = 0; i < 10; i++) {
      m.record("name-" + i, "request", T0, 1, false, false, false);
    }
    List<TransactionMetrics.Aggregate> out = m.drain(T0);
    assertThat(out)
        .extracting(TransactionMetrics.Aggregate::name)
        .contains(TransactionMetrics.OTHER);
    assertThat(out.stream().mapToLong(a -> a.totals().count()).sum()).isEqualTo(10);
    assertThat(m.folded()).isEqualTo(7); // names 3 to 9
  }

  @Test
  void equalNamesInDistinctStringsShareOneAggregateAndALateTransactionFindsAFreshCell() {
    TransactionMetrics m = new TransactionMetrics(100, 0);
    String name = "GET /users/{id}";
    String sameText = new String(name);
    m.record(name, "request", T0, 1, false, false, false);
    m.record(sameText, "request", T0, 2, false, false, false);
    m.record(name, "request", T0, 3, false, false, false);
    List<TransactionMetrics.Aggregate> first = m.drain(T0);
    assertThat(first).singleElement().satisfies(a -> assertThat(a.totals().count()).isEqualTo(3));

    // Two minutes on, the drain forgets T0's cell; a transaction of T0 finishing late must not
    // count into the forgotten cell its name last used, but into a new one drained next time.
    m.record(name, "request", T0, 4, false, false, false);
    assertThat(m.drain(T0 + 3 * MINUTE))
        .singleElement()
        .satisfies(a -> assertThat(a.totals().count()).isOne());
    assertThat(m.cells()).isZero();
    m.record(name, "request", T0, 5, false, false, false);
    List<TransactionMetrics.Aggregate> late = m.drain(T0 + 3 * MINUTE);
    assertThat(late).singleElement().satisfies(a -> assertThat(a.totals().maxMs()).isEqualTo(5));
  }
}
