package io.upbeat.intake.config;

import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.RequestBudget;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * intake-service's settings ({@code upbeat.intake.*}), bound here and handed to the plain-Java
 * parts as their own types. The events topic's partitions are {@code
 * upbeat.kafka.topics.events.partitions}, shared with the processor.
 *
 * @param instanceId this instance's stable name, in its Kafka transactional ids (see {@link
 *     InstanceId}); unset, the host name and HTTP port
 */
@ConfigurationProperties("upbeat.intake")
public record IntakeProperties(
    @DefaultValue Limits limits,
    @DefaultValue("20000") double eventsPerSecondPerApp,
    @DefaultValue Publish publish,
    @DefaultValue Budget budget,
    @DefaultValue Samples samples,
    String instanceId) {

  /**
   * Which transactions of third-party agents and plain {@code /v1/events} are also sent in full.
   *
   * @param traceRate the share of traces kept whole, 0 to 1, decided by the trace id alone (see
   *     {@link TraceSampler}); every intake instance must have the same
   * @param slowMs a transaction of a trace lasting at least this many milliseconds (or one that
   *     failed) is sent in full even when its trace is not kept, so the processor's tail decision
   *     can keep the rest of the trace; every intake instance should have the same
   */
  public record Samples(
      @DefaultValue("0.1") double traceRate, @DefaultValue("1000") double slowMs) {
    TraceSampler toSampler() {
      return new TraceSampler(traceRate, slowMs);
    }
  }

  /**
   * What one request may cost beyond its size; see {@link RequestBudget}.
   *
   * @param readTimeout the body of {@code /v1/events} and OTLP requests must arrive within this
   * @param streamReadTimeout the same for the Elastic stream (agents hold it open up to 10 s)
   * @param maxOtlpItems spans, log records or metric data points per OTLP request
   * @param maxOtlpMessages protobuf messages of any kind per OTLP request
   */
  public record Budget(
      @DefaultValue("30s") Duration readTimeout,
      @DefaultValue("15s") Duration streamReadTimeout,
      @DefaultValue("20000") int maxOtlpItems,
      @DefaultValue("500000") int maxOtlpMessages) {

    RequestBudget toBudget() {
      return new RequestBudget(readTimeout, streamReadTimeout, maxOtlpItems, maxOtlpMessages);
    }
  }

  /** The contract's limits; every one configurable. */
  public record Limits(
      @DefaultValue("5MB") org.springframework.util.unit.DataSize maxBody,
      @DefaultValue("10000") int maxEvents,
      @DefaultValue("1000") int maxSpans,
      @DefaultValue("500") int maxFrames,
      @DefaultValue("10") int maxCauseDepth,
      @DefaultValue("16KB") org.springframework.util.unit.DataSize maxContext,
      @DefaultValue("10000") int maxStringChars,
      @DefaultValue("7d") Duration maxAge,
      @DefaultValue("5m") Duration maxFuture) {

    IntakeLimits toLimits() {
      return new IntakeLimits(
          maxBody.toBytes(),
          maxEvents,
          maxSpans,
          maxFrames,
          maxCauseDepth,
          (int) maxContext.toBytes(),
          maxStringChars,
          maxAge,
          maxFuture);
    }
  }

  /**
   * How requests reach Kafka.
   *
   * @param timeout how long a request waits for Kafka before it is answered 503
   * @param workers concurrent Kafka transactions (one transactional producer each): one by default,
   *     since the broker's cost is per transaction and fewer, larger ones take more requests a
   *     second where Kafka shares the CPU (docs/benchmarks.md, M11 session 17); two overlap one
   *     transaction's commit with the next one's sends, for remote brokers
   * @param linger how long a transaction waits for more requests after the first
   * @param maxRequestsPerTransaction requests committed together at most
   * @param queueCapacity requests waiting for a transaction at most; beyond, 503 at once
   * @param compression Kafka's compression of the events records: {@code lz4} (the default), {@code
   *     zstd}, {@code gzip}, {@code snappy} or {@code none} (a broker on the same machine: less CPU
   *     for intake, the broker and every pipeline, about five times the bytes on disk)
   * @param valueFormat how the records' values are encoded: {@code smile} (the default: Jackson's
   *     binary JSON, about half the CPU of JSON text to write and to read) or {@code json} (text,
   *     what processors older than Smile values read: set it while upgrading from such a version,
   *     until every processor runs the new one)
   */
  public record Publish(
      @DefaultValue("2s") Duration timeout,
      @DefaultValue("1") int workers,
      @DefaultValue("2ms") Duration linger,
      @DefaultValue("256") int maxRequestsPerTransaction,
      @DefaultValue("4096") int queueCapacity,
      @DefaultValue("lz4") String compression,
      @DefaultValue("smile") io.upbeat.events.EventBatchCodec.Format valueFormat) {
    public Publish {
      if (!java.util.Set.of("lz4", "zstd", "gzip", "snappy", "none").contains(compression)) {
        throw new IllegalArgumentException(
            "upbeat.intake.publish.compression must be lz4, zstd, gzip, snappy or none: "
                + compression);
      }
    }
  }
}
