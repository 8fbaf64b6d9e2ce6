package io.upbeat.bench.codec;

import io.upbeat.bench.scrub.ScrubBenchmark;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventBatchCodec.Format;
import io.upbeat.events.EventBatchCodec.Parts;
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
 * The events topic's value in its two encodings ({@link Format#JSON}, version 1, and {@link
 * Format#SMILE}, version 2): what intake pays to write it, and what each pipeline pays to read its
 * parts. The batch is {@link ScrubBenchmark#batch}'s (8 transactions with 3 spans and a 600-byte
 * context, 2 errors), with two of its transactions kept in full as samples, as intake's sampler
 * keeps about one in six under bench/intake-load.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
public class ValueFormatBenchmark {
  @Param({"JSON", "SMILE"})
  public Format format;

  private EventBatch batch;
  private byte[] value;

  @Setup
  public void setUp() {
    EventBatch agent = ScrubBenchmark.batch(false);
    batch =
        new EventBatch(
            agent.batchId(),
            agent.appId(),
            agent.receivedAt(),
            agent.service(),
            agent.transactions(),
            agent.errors(),
            agent.transactions().subList(0, 2),
            agent.metrics());
    value = EventBatchCodec.encode(batch, format);
    System.out.println(format + ": " + value.length + " bytes");
  }

  /** Intake, for every batch. */
  @Benchmark
  public byte[] write() {
    return EventBatchCodec.encode(batch, format);
  }

  /** Everything: bisection, rebuilds, replays. */
  @Benchmark
  public EventBatch readAll() {
    return EventBatchCodec.decode(value, Parts.ALL);
  }

  /** The samples pipeline, for every record with samples. */
  @Benchmark
  public EventBatch readSamples() {
    return EventBatchCodec.decode(value, Parts.SAMPLES);
  }

  /** The errors pipeline, for every record with errors. */
  @Benchmark
  public EventBatch readErrors() {
    return EventBatchCodec.decode(value, Parts.ERRORS);
  }

  /** The tail pipeline, for records with a marked trace. */
  @Benchmark
  public EventBatch readTraceLinks() {
    return EventBatchCodec.decode(value, Parts.TRACE_LINKS);
  }
}
