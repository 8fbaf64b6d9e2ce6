package io.upbeat.support.web;

import java.util.List;
import java.util.Objects;

/**
 * The body of every non-2xx response of every service: {@code {"error", "message", "details"}}.
 *
 * @param error one of the contract's codes
 * @param message one human sentence; never a stack trace, SQL or class name
 * @param details what was wrong where, at most {@link #MAX_DETAILS}; may be empty
 */
public record ErrorBody(String error, String message, List<Detail> details) {
  /** The contract allows up to 50 details; more are cut. */
  public static final int MAX_DETAILS = 50;

  public ErrorBody {
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(message, "message");
    details =
        details == null
            ? List.of()
            : List.copyOf(details.subList(0, Math.min(details.size(), MAX_DETAILS)));
  }

  public static ErrorBody of(ErrorCode code, String message) {
    return new ErrorBody(code.code(), message, List.of());
  }

  /**
   * One problem with one field.
   *
   * @param field the JSON path or parameter name, e.g. {@code transactions[3].duration_ms}
   * @param problem what is wrong, e.g. {@code must be a number >= 0}
   */
  public record Detail(String field, String problem) {
    public Detail {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(problem, "problem");
    }
  }
}
