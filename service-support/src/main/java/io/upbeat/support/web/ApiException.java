package io.upbeat.support.web;

import java.time.Duration;
import java.util.List;

/**
 * A request Upbeat refuses, answered with the contract's error body. Thrown by controllers and
 * filters; {@link ErrorBodyAdvice} turns it into the response.
 */
public class ApiException extends RuntimeException {
  private final ErrorCode code;
  private final transient List<ErrorBody.Detail> details;
  private final Duration retryAfter;

  public ApiException(ErrorCode code, String message) {
    this(code, message, List.of(), null);
  }

  public ApiException(ErrorCode code, String message, List<ErrorBody.Detail> details) {
    this(code, message, details, null);
  }

  /**
   * @param retryAfter sent as {@code Retry-After} (whole seconds, at least 1) when not null
   */
  public ApiException(
      ErrorCode code, String message, List<ErrorBody.Detail> details, Duration retryAfter) {
    super(message, null, false, false);
    this.code = code;
    this.details = List.copyOf(details);
    this.retryAfter = retryAfter;
  }

  public static ApiException notFound(String what) {
    return new ApiException(ErrorCode.NOT_FOUND, what + " was not found.");
  }

  public ErrorCode code() {
    return code;
  }

  public List<ErrorBody.Detail> details() {
    return details;
  }

  public Duration retryAfter() {
    return retryAfter;
  }

  public ErrorBody body() {
    return new ErrorBody(code.code(), getMessage(), details);
  }
}
