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

/** A work rebuilt from its records (after a record it could not take) is the work it was. */
class SampleWorkTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final SampleWork work = SampleWork.factory(5, Clock.systemUTC(), 7, meters).get();
  private final Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);

  @Test
  void aRebuildKeepsTheSamplesKeptTheFirstTimeAndCountsNothingAgain() {
    List<EventBatch> batches = List.of(batch(3), batch(3)); // 6 of one name and minute: 5 kept
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
    work.add(batch(1));
    assertThat(work.pending()).isEmpty();
    assertThat(count("over_budget")).isEqualTo(2);
  }

  private double count(String result) {
    return meters.counter("upbeat.processor.samples", "result", result).count();
  }

  private EventBatch batch(int n) {
    List<TransactionEvent> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      samples.add(
          new TransactionEvent(
              "a1b2c3d4e5f6a7b" + i,
              "0af7651916cd43dd8448eb211c80319c",
              "GET /s",
              "request",
              minute.plusSeconds(i),
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
