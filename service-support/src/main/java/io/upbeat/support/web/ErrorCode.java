package io.upbeat.support.web;

import org.springframework.http.HttpStatus;

/**
 * The {@code error} codes of the contract's error body, each with the HTTP status it goes with.
 * {@link #METHOD_NOT_ALLOWED}, {@link #NOT_ACCEPTABLE} and {@link #INTERNAL} extend the contract's
 * list for statuses it does not name.
 */
public enum ErrorCode {
  INVALID_JSON("invalid_json", HttpStatus.BAD_REQUEST),
  INVALID_PAYLOAD("invalid_payload", HttpStatus.BAD_REQUEST),
  UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED),
  FORBIDDEN("forbidden", HttpStatus.FORBIDDEN),
  NOT_FOUND("not_found", HttpStatus.NOT_FOUND),
  METHOD_NOT_ALLOWED("method_not_allowed", HttpStatus.METHOD_NOT_ALLOWED),
  NOT_ACCEPTABLE("not_acceptable", HttpStatus.NOT_ACCEPTABLE),
  CONFLICT("conflict", HttpStatus.CONFLICT),
  PAYLOAD_TOO_LARGE("payload_too_large", HttpStatus.CONTENT_TOO_LARGE),
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", HttpStatus.UNSUPPORTED_MEDIA_TYPE),
  RATE_LIMITED("rate_limited", HttpStatus.TOO_MANY_REQUESTS),
  INTERNAL("internal", HttpStatus.INTERNAL_SERVER_ERROR),
  UNAVAILABLE("unavailable", HttpStatus.SERVICE_UNAVAILABLE);

  private final String code;
  private final HttpStatus status;

  ErrorCode(String code, HttpStatus status) {
    this.code = code;
    this.status = status;
  }

  public String code() {
    return code;
  }

  public HttpStatus status() {
    return status;
  }

  /** The code for a status that something other than Upbeat's code chose (e.g. the container). */
  public static ErrorCode forStatus(int status) {
    for (ErrorCode c : values()) {
      if (c.status.value() == status && c != INVALID_JSON) {
        return c;
      }
    }
    if (status >= 500) {
      return status == 503 ? UNAVAILABLE : INTERNAL;
    }
    return INVALID_PAYLOAD;
  }
}
