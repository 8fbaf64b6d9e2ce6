package io.upbeat.processor.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.Topics;
import io.upbeat.processor.config.PipelineConfiguration.PipelineLifecycle;
import io.upbeat.processor.consume.DeletedApps;
import io.upbeat.processor.consume.EventPipeline;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.ReadDelay;
import io.upbeat.processor.tail.RecordedTraces;
import io.upbeat.processor.tail.TailStore;
import io.upbeat.processor.tail.TailWork;
import io.upbeat.processor.tail.TraceDecisions;
import io.upbeat.support.kafka.KafkaClientConfig;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The tail decision's pipeline (M15): the events topic read a second time, {@code
 * upbeat.processor.traces.tail-window} behind real time, in its own consumer group and with its own
 * stored offsets, keeping the transactions of the traces that the errors and samples pipelines
 * found interesting ({@code tail_traces}). Partitions are shared between processors as for the
 * other pipelines, and it is exactly-once like them.
 */
@Configuration(proxyBeanMethods = false)
class TailConfiguration {
  /** How the errors and samples pipelines record interesting traces. */
  static TraceDecisions.Policy policy(
      TraceProperties traces, String pipeline, Clock clock, MeterRegistry meters) {
    return TraceDecisions.Policy.of(
        traces.tailPerAppMinute(), traces.slowMs(), clock, pipeline, meters);
  }

  @Bean
  PipelineLifecycle tailPipeline(
      KafkaClientConfig kafka,
      DeletedApps deletedApps,
      Topics topics,
      DataSource dataSource,
      ProcessorProperties properties,
      TraceProperties traces,
      Clock clock,
      MeterRegistry meters) {
    String name = PipelineConfiguration.TAIL_PIPELINE;
    TailStore store =
        new TailStore(
            dataSource,
            properties.sampleRetentionDays(),
            properties.samples().maxPerAppMinute(),
            meters);
    return new PipelineLifecycle(
        new EventPipeline<>(
            name,
            EventBatchCodec.Parts.TRACE_LINKS,
            PipelineConfiguration.consumer(kafka, name),
            () -> PipelineConfiguration.deadLetterProducer(kafka),
            topics.eventsDeadLetter(),
            topics.events(),
            store.through(new OffsetLedger(dataSource, name, clock)),
            TailWork.factory(
                clock,
                properties.sampleRetentionDays(),
                new RecordedTraces(
                    RecordedTraces.table(dataSource),
                    clock,
                    properties.flushInterval(),
                    RecordedTraces.KEEP,
                    traces.tailMaxRecorded(),
                    meters),
                meters),
            deletedApps,
            new ReadDelay(traces.tailWindow(), clock),
            PipelineConfiguration.rereads(kafka, topics.events()),
            clock,
            properties.flushInterval(),
            meters));
  }
}
