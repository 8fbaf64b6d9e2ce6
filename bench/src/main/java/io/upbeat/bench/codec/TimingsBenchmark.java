package io.upbeat.bench.codec;

import io.upbeat.bench.scrub.ScrubBenchmark;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventTimings;
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
 * What the metrics pipeline pays to read a record's timings, per batch of the shapes {@link
 * ScrubBenchmark} uses (AGENT: 8 transactions with 3 spans and a 600-byte context, 2 errors;
 * HARNESS: 10 transactions as bench/intake-load sends them): from the JSON value ({@link
 * EventBatchCodec#decode(byte[], EventBatchCodec.Parts)}, tokenizing spans and contexts to skip
 * them) and from the {@link EventTimings#HEADER} intake writes beside it; and what intake pays to
 * write that header, next to encoding the value. Also what the tail pipeline's second read of every
 * record costs ({@link EventBatchCodec.Parts#TRACE_LINKS}) next to a full decode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TimingsBenchmark {
  /** The events' shape: see the class comment. */
  public enum Shape {
    AGENT,
    HARNESS
  }

  @Param({"AGENT", "HARNESS"})
  public Shape shape;

  private EventBatch batch;
  private byte[] value;
  private byte[] header;

  @Setup
  public void setUp() {
    batch = shape == Shape.AGENT ? ScrubBenchmark.batch(false) : ScrubBenchmark.harness(false);
    value = EventBatchCodec.encode(batch);
    header = EventTimings.encode(batch);
  }

  /** The metrics pipeline before the header: the value, spans and contexts skipped. */
  @Benchmark
  public EventBatch readFromValue() {
    return EventBatchCodec.decode(value, EventBatchCodec.Parts.TRANSACTION_TIMINGS);
  }

  /**
   * The tail pipeline (M15): the transactions' and samples' ids and timings, spans and contexts
   * skipped, as the metrics pipeline did before the header.
   */
  @Benchmark
  public EventBatch readTraceLinks() {
    return EventBatchCodec.decode(value, EventBatchCodec.Parts.TRACE_LINKS);
  }

  /** Everything, spans and contexts included: what a second full read would cost. */
  @Benchmark
  public EventBatch readAll() {
    return EventBatchCodec.decode(value, EventBatchCodec.Parts.ALL);
  }

  /** The metrics pipeline with the header. */
  @Benchmark
  public EventBatch readFromHeader() {
    return EventTimings.decode(header);
  }

  /** Intake: encoding the value, which it does for every batch. */
  @Benchmark
  public byte[] writeValue() {
    return EventBatchCodec.encode(batch);
  }

  /** Intake: the header, on top of the value. */
  @Benchmark
  public byte[] writeHeader() {
    return EventTimings.encode(batch);
  }
}
