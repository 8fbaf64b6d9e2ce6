package io.upbeat.processor.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A work rebuilt from its records (after a record it could not take) is the work it was; samples of
 * traces are kept whole up to the safety cap, others within their per-name budget.
 */
class SampleWorkTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final SampleWork work = SampleWork.factory(5, Clock.systemUTC(), 7, meters).get();
  private final Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);

  @Test
  void aRebuildKeepsTheSamplesKeptTheFirstTimeAndCountsNothingAgain() {
    // 6 of one name and minute without a trace: 5 kept
    List<EventBatch> batches = List.of(batch(3, null), batch(3, null));
    batches.forEach(work::add);
    List<UUID> kept = work.pending().stream().map(SampleWork.Sample::sampleId).toList();
    assertThat(kept).hasSize(5);

    work.rewind();
    batches.forEach(b -> work.replay(b, work));

    assertThat(work.pending()).extracting(SampleWork.Sample::sampleId).isEqualTo(kept);
    assertThat(count("kept")).isEqualTo(5);
    assertThat(count("over_budget")).isEqualTo(1);

    // A range of a bisection, in a fresh work: what the partition's work kept of those batches.
    SampleWork range = SampleWork.factory(5, Clock.systemUTC(), 7, meters).get();
    range.replay(batches.get(1), work);
    assertThat(range.pending())
        .extracting(SampleWork.Sample::sampleId)
        .isEqualTo(kept.subList(3, 5));
    assertThat(count("kept")).isEqualTo(5);

    // Committed: the budget stays, the next batch of the minute is over it.
    work.clear();
    work.add(batch(1, null));
    assertThat(work.pending()).isEmpty();
    assertThat(count("over_budget")).isEqualTo(2);
  }

  @Test
  void samplesOfTracesAreKeptWhateverTheirNameUpToTheCapPerAppAndMinute() {
    SampleWork capped = SampleWork.factory(5, 8, Clock.systemUTC(), 7, meters).get();
    List<EventBatch> batches = List.of(batch(3, TRACE), batch(3, TRACE), batch(3, TRACE));
    batches.forEach(capped::add);
    // 9 of one name and minute: past the name budget (5), within it only by the cap (8).
    List<UUID> kept = capped.pending().stream().map(SampleWork.Sample::sampleId).toList();
    assertThat(kept).hasSize(8);
    assertThat(count("kept")).isEqualTo(8);
    assertThat(count("over_cap")).isEqualTo(1);
    assertThat(count("over_budget")).isZero();

    // A rebuild keeps the same, counting nothing again.
    capped.rewind();
    batches.forEach(b -> capped.replay(b, capped));
    assertThat(capped.pending()).extracting(SampleWork.Sample::sampleId).isEqualTo(kept);
    assertThat(count("over_cap")).isEqualTo(1);

    // Samples without a trace have their own budget, untouched by the traces' cap.
    capped.clear();
    capped.add(batch(2, null));
    assertThat(capped.pending()).hasSize(2);

    // The next minute starts afresh.
    capped.clear();
    capped.add(batch(3, TRACE, minute.plusSeconds(60)));
    assertThat(capped.pending()).hasSize(3);
  }

  @Test
  void aNegativeCapIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SampleWork.factory(5, -1, Clock.systemUTC(), 7, meters))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  private double count(String result) {
    return meters.counter("upbeat.processor.samples", "result", result).count();
  }

  private EventBatch batch(int n, String traceId) {
    return batch(n, traceId, minute);
  }

  private EventBatch batch(int n, String traceId, Instant at) {
    List<TransactionEvent> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      samples.add(
          new TransactionEvent(
              "a1b2c3d4e5f6a7b" + i,
              traceId,
              "GET /s",
              "request",
              at.plusSeconds(i),
              2.5,
              "HTTP 2xx",
              "success",
              List.of(),
              null));
    }
    return new EventBatch(
        UUID.randomUUID(),
        UUID.fromString("00000000-0000-0000-0000-000000000001"),
        Instant.now(),
        new ServiceInfo("shop", null, "v7", null, null, null, null),
        List.of(),
        List.of(),
        samples,
        List.of());
  }
}
