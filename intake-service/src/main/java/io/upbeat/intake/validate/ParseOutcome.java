package io.upbeat.intake.validate;

import io.upbeat.events.EventBatch;
import io.upbeat.support.web.ErrorBody;
import java.util.List;

/** The result of reading one intake request body. */
public sealed interface ParseOutcome {
  /**
   * Every event is valid; nothing has been enqueued yet.
   *
   * @param transactions the transactions the request held (a transaction kept in full is in the
   *     batch twice, counted and as a sample, and here once)
   * @param destinationMetrics the destination metrics the request held (the batch adds those intake
   *     derived from the transactions' exit spans)
   */
  record Valid(EventBatch batch, int transactions, int destinationMetrics) implements ParseOutcome {
    /** A valid request without destination metrics of its own. */
    public Valid(EventBatch batch, int transactions) {
      this(batch, transactions, 0);
    }
  }

  /** Not one JSON document (syntax, encoding, duplicate keys, trailing data, empty). */
  record InvalidJson(String message) implements ParseOutcome {}

  /** Valid JSON that breaks the contract; at most 50 details, each naming the field. */
  record InvalidPayload(List<ErrorBody.Detail> details) implements ParseOutcome {}

  /** Over a size limit (body bytes after decompression, or event count). */
  record TooLarge(String message) implements ParseOutcome {}
}
