package io.upbeat.support.web;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;

/**
 * Answers every exception that reaches Spring MVC with the contract's error body: Upbeat's own
 * {@link ApiException}s, Spring's standard ones (bad JSON, wrong method or content type, missing
 * parameters), and anything unexpected as a 500 whose body reveals nothing internal.
 */
@RestControllerAdvice
public class ErrorBodyAdvice extends ResponseEntityExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ErrorBodyAdvice.class);

  @ExceptionHandler(ApiException.class)
  ResponseEntity<ErrorBody> api(ApiException e) {
    return ErrorResponses.of(e);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ErrorBody> typeMismatch(MethodArgumentTypeMismatchException e) {
    return ErrorResponses.of(
        new ApiException(
            ErrorCode.INVALID_PAYLOAD,
            "A parameter has the wrong type.",
            List.of(new ErrorBody.Detail(e.getName(), "has the wrong type"))));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e) {
    log.error("Unexpected error while handling a request", e);
    return ErrorResponses.of(ErrorCode.INTERNAL, "Something went wrong on our side.");
  }

  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    ApiException api = translate(ex, status);
    ResponseEntity<ErrorBody> response = ErrorResponses.of(api);
    HttpHeaders merged = new HttpHeaders();
    if (headers != null) {
      merged.addAll(headers);
    }
    merged.addAll(response.getHeaders());
    return new ResponseEntity<>(response.getBody(), merged, response.getStatusCode());
  }

  static ApiException translate(Exception ex, HttpStatusCode status) {
    if (ex instanceof HttpMessageNotReadableException notReadable) {
      return unreadable(notReadable);
    }
    if (ex instanceof MissingServletRequestParameterException missing) {
      return new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "A required parameter is missing.",
          List.of(new ErrorBody.Detail(missing.getParameterName(), "is required")));
    }
    if (ex instanceof MethodArgumentNotValidException invalid) {
      List<ErrorBody.Detail> details =
          invalid.getBindingResult().getFieldErrors().stream()
              .map(
                  f ->
                      new ErrorBody.Detail(
                          JsonPaths.snakeCase(f.getField()),
                          f.getDefaultMessage() == null ? "is invalid" : f.getDefaultMessage()))
              .toList();
      return new ApiException(ErrorCode.INVALID_PAYLOAD, "The request is invalid.", details);
    }
    if (ex instanceof HttpMediaTypeNotSupportedException) {
      return new ApiException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The content type is not supported here.");
    }
    ErrorCode code = ErrorCode.forStatus(status.value());
    return new ApiException(code, defaultMessage(code));
  }

  private static ApiException unreadable(HttpMessageNotReadableException e) {
    Throwable cause = e.getMostSpecificCause();
    if (cause instanceof JacksonException jackson
        && jackson.getPath().isEmpty()
        && String.valueOf(jackson.getOriginalMessage()).startsWith("Trailing token")) {
      // Something after the top-level value: not one JSON document, so not valid JSON.
      return new ApiException(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
    }
    if (cause instanceof JacksonException jackson && !(cause instanceof StreamReadException)) {
      // Well-formed JSON whose value does not fit the expected shape: name the field.
      String field = JsonPaths.render(jackson.getPath());
      return new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The request body does not have the expected shape.",
          List.of(new ErrorBody.Detail(field.isEmpty() ? "$" : field, "has the wrong type")));
    }
    if (cause instanceof StreamReadException) {
      return new ApiException(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
    }
    return new ApiException(ErrorCode.INVALID_JSON, "The request body is missing or unreadable.");
  }

  /** The one-sentence message for a code when nothing more specific is known. */
  public static String defaultMessage(ErrorCode code) {
    return switch (code) {
      case INVALID_JSON -> "The request body is not valid JSON.";
      case INVALID_PAYLOAD -> "The request is invalid.";
      case UNAUTHORIZED -> "Authentication is required.";
      case FORBIDDEN -> "You may not do this.";
      case NOT_FOUND -> "Nothing is here.";
      case METHOD_NOT_ALLOWED -> "This method is not allowed here.";
      case NOT_ACCEPTABLE -> "No acceptable representation is available.";
      case CONFLICT -> "This conflicts with the current state.";
      case PAYLOAD_TOO_LARGE -> "The request body is too large.";
      case UNSUPPORTED_MEDIA_TYPE -> "The content type is not supported here.";
      case RATE_LIMITED -> "Too many requests; retry later.";
      case INTERNAL -> "Something went wrong on our side.";
      case UNAVAILABLE -> "The service is unavailable; retry later.";
    };
  }
}
