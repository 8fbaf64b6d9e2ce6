package io.upbeat.events;

import java.time.Instant;
import java.util.Objects;

/**
 * A span that arrived without its transaction (an OpenTelemetry SDK exported it in an earlier batch
 * than the span it belongs to). The samples pipeline adds it to the stored sample of transaction
 * {@code transactionId} in trace {@code traceId} when there is one, or when it arrives, for a
 * bounded time.
 *
 * @param transactionId the id of the span's nearest ancestor missing from its request, presumed the
 *     transaction
 * @param startedAt when the span started (made relative to the transaction once joined)
 * @param span its name, type and duration; {@code startMs} is null
 */
public record OrphanSpan(String traceId, String transactionId, Instant startedAt, Span span) {
  public OrphanSpan {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(span, "span");
  }
}
