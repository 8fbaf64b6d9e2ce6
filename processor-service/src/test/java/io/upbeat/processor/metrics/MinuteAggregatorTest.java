package io.upbeat.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.EventBatch;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MinuteAggregatorTest {
  private static final Instant MINUTE = Instant.parse("2026-12-05T10:00:00Z");
  private final UUID app = UUID.randomUUID();

  @Test
  void countsEachTransactionOnceUnderItsAdmittedNameAndItsTypesRow() {
    MinuteAggregator aggregator = new MinuteAggregator(new NameLimiter(2));
    List<TransactionEvent> txns = new ArrayList<>();
    // Minute 10:00: A, B admitted; C and D over the limit of two names, C twice.
    for (String name : List.of("A", "B", "C", "A", "C", "D")) {
      txns.add(txn(name, MINUTE.plusSeconds(30), 10, null));
    }
    txns.add(txn("A", MINUTE.plusSeconds(60), 20, "HTTP 5xx")); // 10:01, failed
    txns.add(txn("A", MINUTE.minusSeconds(3600), 5, null)); // before the oldest minute: dropped
    txns.add(txn("B", MINUTE.plusSeconds(59), 30, null)); // 10:00 again, after 10:01

    long added = aggregator.add(batch(txns), MINUTE.minusSeconds(60));

    assertThat(added).isEqualTo(8);
    assertThat(aggregator.transactions()).isEqualTo(8);
    assertThat(aggregator.folded()).isEqualTo(3);
    Map<String, Long> counts = new TreeMap<>();
    Map<String, Long> failures = new TreeMap<>();
    aggregator
        .pending()
        .forEach(
            (k, v) -> {
              String key = k.minute().toString().substring(11, 16) + " " + k.name();
              counts.put(key, v.count());
              failures.put(key, v.failures());
            });
    assertThat(counts)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "10:00 A", 2L,
                "10:00 B", 2L,
                "10:00 _other", 3L,
                "10:00 ", 7L,
                "10:01 A", 1L,
                "10:01 ", 1L));
    assertThat(failures.get("10:01 A")).isEqualTo(1);
    assertThat(failures.get("10:01 ")).isEqualTo(1);
    assertThat(failures.get("10:00 ")).isZero();
    // The type's row is its names' rows merged: the same as adding every transaction to it.
    DurationStats all =
        aggregator
            .pending()
            .get(new MetricKey(app, "production", "request", MinuteAggregator.ALL, MINUTE));
    DurationStats direct = new DurationStats();
    for (double ms : new double[] {10, 10, 10, 10, 10, 10, 30}) {
      direct.add(ms, false);
    }
    assertThat(all.sum()).isEqualTo(direct.sum());
    assertThat(all.min()).isEqualTo(10);
    assertThat(all.max()).isEqualTo(30);
    assertThat(all.sketch().quantiles(0.5, 0.95, 0.99))
        .containsExactly(direct.sketch().quantiles(0.5, 0.95, 0.99));

    // A second batch: C is still over the limit in 10:00, admitted in the fresh minute 10:02.
    aggregator.add(
        batch(
            List.of(
                txn("C", MINUTE.plusSeconds(10), 1, null),
                txn("C", MINUTE.plusSeconds(125), 1, null))),
        MINUTE.minusSeconds(60));
    assertThat(aggregator.folded()).isEqualTo(4);
    assertThat(
            aggregator.pending().keySet().stream()
                .filter(k -> k.name().equals("C"))
                .map(k -> k.minute().toString()))
        .containsExactly("2026-12-05T10:02:00Z");
  }

  private EventBatch batch(List<TransactionEvent> txns) {
    return new EventBatch(
        UUID.randomUUID(),
        app,
        MINUTE,
        new ServiceInfo("shop", "production", null, null, null, null, null),
        txns,
        List.of());
  }

  private static TransactionEvent txn(String name, Instant at, double ms, String result) {
    return new TransactionEvent(null, null, name, "request", at, ms, result, null, List.of(), null);
  }
}
