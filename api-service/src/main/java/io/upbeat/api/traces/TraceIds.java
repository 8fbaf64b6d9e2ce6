package io.upbeat.api.traces;

import io.upbeat.api.params.Problems;
import java.util.regex.Pattern;

/**
 * The trace ids a lookup accepts: what intake accepts (1 to 64 of {@code [A-Za-z0-9_-]}: W3C's 32
 * lowercase hex digits, and older agents' shorter ids). Anything else could never have been stored,
 * so it is refused as a bad parameter rather than looked up. The routes name their variable {@code
 * trace_id}, so a segment the servlet container refuses (an encoded slash) is named alike.
 */
final class TraceIds {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private TraceIds() {}

  /** The id, or a 400 {@code invalid_payload} naming {@code trace_id}. */
  static String require(String traceId) {
    Problems problems = new Problems();
    if (traceId == null || !ID.matcher(traceId).matches()) {
      problems.add("trace_id", "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
    }
    problems.throwIfAny();
    return traceId;
  }
}
