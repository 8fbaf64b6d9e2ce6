package io.upbeat.intake.elastic;

import io.upbeat.events.EventBatch;
import io.upbeat.support.web.ErrorCode;
import java.util.Map;
import java.util.Objects;

/** The result of reading one Elastic intake stream. */
sealed interface ElasticOutcome {
  /**
   * The stream was read; {@code batch} holds every event that mapped (possibly none), and {@code
   * skipped} counts the lines that did not, by reason.
   */
  record Read(EventBatch batch, Map<Skip, Integer> skipped) implements ElasticOutcome {
    public Read {
      Objects.requireNonNull(batch, "batch");
      skipped = Map.copyOf(skipped);
    }

    /** Events that go to Kafka and count against the rate limit (samples are copies). */
    int events() {
      return batch.transactions().size() + batch.errors().size();
    }
  }

  /** The whole stream is refused: no usable metadata, or over a request limit. */
  record Refused(ErrorCode code, String message) implements ElasticOutcome {}
}
