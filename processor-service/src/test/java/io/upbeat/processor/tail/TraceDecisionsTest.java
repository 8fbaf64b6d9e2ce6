package io.upbeat.processor.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.TransactionEvent;
import io.upbeat.processor.MutableClock;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which traces the errors and samples pipelines record for the tail decision, and how many. */
class TraceDecisionsTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Instant now = Instant.parse("2026-12-05T12:00:10Z");
  private final UUID app = UUID.randomUUID();

  private TraceDecisions.Policy policy(int perAppMinute, Clock clock) {
    return TraceDecisions.Policy.of(perAppMinute, 1000, clock, "errors", meters);
  }

  private double count(String result) {
    return meters
        .counter("upbeat.processor.traces.tail", "pipeline", "errors", "result", result)
        .count();
  }

  private static List<String> traces(TraceDecisions d) {
    return d.pending().stream().map(TraceDecisions.Decision::traceId).toList();
  }

  @Test
  void recordsDistinctTracesUpToTheCapPerAppAndMinute() {
    TraceDecisions d = new TraceDecisions(policy(2, Clock.fixed(now, ZoneOffset.UTC)));
    d.offer(app, "t1", TraceDecisions.Reason.ERROR);
    d.offer(app, "t1", TraceDecisions.Reason.ERROR); // the same trace: not charged again
    d.offer(app, "t2", TraceDecisions.Reason.SLOW);
    d.offer(app, "t3", TraceDecisions.Reason.ERROR); // over the cap
    d.offer(UUID.randomUUID(), "t4", TraceDecisions.Reason.FAILURE); // another app's budget
    d.offer(app, null, TraceDecisions.Reason.ERROR); // no trace: nothing to keep
    assertThat(traces(d)).containsExactly("t1", "t2", "t4");
    assertThat(d.pending().iterator().next().decidedAt()).isEqualTo(now);
    assertThat(count("recorded")).isEqualTo(3);
    assertThat(count("over_cap")).isEqualTo(1);
  }

  @Test
  void theBudgetOutlivesFlushesWithinTheMinuteAndRenewsWithTheNext() {
    MutableClock clock = new MutableClock(now);
    TraceDecisions d = new TraceDecisions(policy(1, clock));
    d.offer(app, "t1", TraceDecisions.Reason.ERROR);
    d.clear(); // committed
    d.offer(app, "t2", TraceDecisions.Reason.ERROR);
    assertThat(traces(d)).isEmpty();
    clock.set(now.plusSeconds(50)); // 12:01:00
    d.offer(app, "t2", TraceDecisions.Reason.ERROR);
    assertThat(traces(d)).containsExactly("t2");
  }

  /** A rebuild or a bisection's range records exactly what was recorded, charging nothing. */
  @Test
  void aReplayRecordsWhatTheFirstReadingRecorded() {
    TraceDecisions d = new TraceDecisions(policy(1, Clock.fixed(now, ZoneOffset.UTC)));
    d.offer(app, "t1", TraceDecisions.Reason.ERROR);
    d.offer(app, "t2", TraceDecisions.Reason.ERROR); // over the cap: not recorded
    d.rewind();
    d.replay(app, "t1", TraceDecisions.Reason.ERROR, d);
    d.replay(app, "t2", TraceDecisions.Reason.ERROR, d);
    assertThat(traces(d)).containsExactly("t1");
    TraceDecisions range = new TraceDecisions(d.policy());
    range.replay(app, "t2", TraceDecisions.Reason.ERROR, d);
    range.replay(app, "t1", TraceDecisions.Reason.ERROR, d);
    assertThat(traces(range)).containsExactly("t1");
    assertThat(count("recorded")).isEqualTo(1);
    assertThat(count("over_cap")).isEqualTo(1);
  }

  @Test
  void failedAndSlowTransactionsAreInteresting() {
    TraceDecisions.Policy p = policy(100, Clock.systemUTC());
    assertThat(p.reasonOf(txn("failure", 5))).isEqualTo(TraceDecisions.Reason.FAILURE);
    assertThat(p.reasonOf(txn("failure", 5000))).isEqualTo(TraceDecisions.Reason.FAILURE);
    assertThat(p.reasonOf(txn("success", 1000))).isEqualTo(TraceDecisions.Reason.SLOW);
    assertThat(p.reasonOf(txn(null, 999.9))).isNull();
    assertThat(p.reasonOf(txn("unknown", 10))).isNull();
  }

  @Test
  void noneAndZeroRecordNothing() {
    TraceDecisions none = new TraceDecisions(TraceDecisions.Policy.NONE);
    none.offer(app, "t1", TraceDecisions.Reason.ERROR);
    assertThat(traces(none)).isEmpty();
    TraceDecisions off = new TraceDecisions(policy(0, Clock.systemUTC()));
    off.offer(app, "t1", TraceDecisions.Reason.ERROR);
    assertThat(traces(off)).isEmpty();
    assertThat(count("over_cap")).isZero();
    assertThatThrownBy(() -> policy(-1, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  private static TransactionEvent txn(String outcome, double ms) {
    return new TransactionEvent(
        "a1", "t1", "GET /", "request", Instant.EPOCH, ms, null, outcome, List.of(), null);
  }
}
