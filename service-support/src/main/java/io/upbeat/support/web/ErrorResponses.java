package io.upbeat.support.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/** Builds error responses in the contract's format. */
public final class ErrorResponses {
  private ErrorResponses() {}

  public static ResponseEntity<ErrorBody> of(ApiException e) {
    return of(e.code(), e.body(), e.retryAfter());
  }

  public static ResponseEntity<ErrorBody> of(ErrorCode code, String message) {
    return of(code, ErrorBody.of(code, message), null);
  }

  static ResponseEntity<ErrorBody> of(ErrorCode code, ErrorBody body, Duration retryAfter) {
    ResponseEntity.BodyBuilder builder =
        ResponseEntity.status(code.status()).contentType(MediaType.APPLICATION_JSON);
    if (retryAfter != null) {
      builder.header(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds(retryAfter)));
    }
    return builder.body(body);
  }

  /**
   * Writes the error to a raw servlet response, for code that runs before Spring MVC (security
   * filters, entry points).
   */
  public static void write(HttpServletResponse response, ApiException e) throws IOException {
    response.setStatus(e.code().status().value());
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response.setCharacterEncoding("UTF-8");
    if (e.retryAfter() != null) {
      response.setHeader(
          HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds(e.retryAfter())));
    }
    JsonMapper.shared().writeValue(response.getOutputStream(), e.body());
  }

  /** Whole seconds, rounded up, at least 1: a client told "0" would retry at once. */
  static long retryAfterSeconds(Duration d) {
    long seconds = (d.toMillis() + 999) / 1000;
    return Math.max(1, seconds);
  }
}
