package io.upbeat.intake.publish;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;

/**
 * A request's {@code Idempotency-Key} (see the contract's "Idempotent intake"): 1-128 printable
 * ASCII characters the client reuses when it retries the same batch. Intake only validates it and
 * writes it on every record of the request ({@link #RECORD_HEADER}); the processor drops a record
 * whose key the app already had committed in the last 24 hours. Intake stays stateless: the
 * original and its retry may reach different intake instances, so only the processor, inside its
 * exactly-once commit, can tell them apart.
 */
public record IdempotencyKey(String value) {
  /** The HTTP request header. */
  public static final String HTTP_HEADER = "Idempotency-Key";

  /** The Kafka record header carrying the record's key (see {@link #forRecord}). */
  public static final String RECORD_HEADER = "upbeat-idempotency-key";

  static final int MAX_LENGTH = 128;

  /**
   * Between a request's key and a record's index when the request becomes several records: a
   * character no client key may hold, so a derived key never equals a key a client sent.
   */
  static final char INDEX_SEPARATOR = '\u001F';

  /** The header is present but not a valid key: the request is refused (400), nothing written. */
  public static final class InvalidException extends Exception {
    private final String problem;

    InvalidException(String problem) {
      super("The " + HTTP_HEADER + " header " + problem + ".", null, false, false);
      this.problem = problem;
    }

    /** What is wrong, for an error detail on the header, e.g. {@code must be 1 to 128 ...}. */
    public String problem() {
      return problem;
    }
  }

  /**
   * The request's key, or null when it sent none (no deduplication).
   *
   * @throws InvalidException if the header is repeated, empty, longer than 128 characters or holds
   *     a character outside printable ASCII (0x20-0x7E)
   */
  public static IdempotencyKey of(HttpServletRequest request) throws InvalidException {
    Enumeration<String> values = request.getHeaders(HTTP_HEADER);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String value = values.nextElement();
    if (values.hasMoreElements()) {
      throw new InvalidException("must be sent at most once");
    }
    return of(value);
  }

  /** As {@link #of(HttpServletRequest)}, for the header's one value. */
  public static IdempotencyKey of(String value) throws InvalidException {
    if (value == null) {
      return null;
    }
    if (value.isEmpty() || value.length() > MAX_LENGTH) {
      throw new InvalidException("must be 1 to " + MAX_LENGTH + " characters long");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        throw new InvalidException("must hold only printable ASCII characters (0x20 to 0x7E)");
      }
    }
    return new IdempotencyKey(value);
  }

  /**
   * The key of record {@code index} of a request that became {@code count} records: the request's
   * key for a single record, else the key, {@link #INDEX_SEPARATOR} and the index. Deterministic,
   * so a retry of the same request maps onto the same keys, and distinct per record, so each record
   * of the request is counted once.
   */
  String forRecord(int index, int count) {
    return count == 1 ? value : value + INDEX_SEPARATOR + index;
  }
}
