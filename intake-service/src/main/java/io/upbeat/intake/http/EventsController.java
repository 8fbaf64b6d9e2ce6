package io.upbeat.intake.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.intake.auth.AppTokenTable;
import io.upbeat.intake.publish.EventSink;
import io.upbeat.intake.publish.IdempotencyKey;
import io.upbeat.intake.ratelimit.AppRateLimiter;
import io.upbeat.intake.validate.DeadlineInputStream;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.LimitedInputStream;
import io.upbeat.intake.validate.ParseOutcome;
import io.upbeat.intake.validate.PayloadParser;
import io.upbeat.intake.validate.RequestBudget;
import io.upbeat.intake.validate.StorableEscapes;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/events}: authenticate the agent's secret token, read and validate the body, and
 * enqueue every event into Kafka in one record. 202 only after Kafka acknowledged it; any other
 * answer means nothing was enqueued.
 */
@RestController
class EventsController {
  private final AppTokenTable tokens;
  private final PayloadParser parser;
  private final EventSink sink;
  private final IntakeLimits limits;
  private final RequestBudget budget;
  private final Clock clock;
  private final IntakeMetrics metrics;

  EventsController(
      AppTokenTable tokens,
      PayloadParser parser,
      EventSink sink,
      IntakeLimits limits,
      RequestBudget budget,
      Clock clock,
      MeterRegistry meters) {
    this.tokens = tokens;
    this.parser = parser;
    this.sink = sink;
    this.limits = limits;
    this.budget = budget;
    this.clock = clock;
    this.metrics = new IntakeMetrics(meters);
  }

  record Accepted(Counts accepted) {}

  /**
   * @param destinationMetrics the request's own destination metrics, absent when it sent none (the
   *     ones intake derives from exit spans are not the request's events)
   */
  record Counts(
      int transactions,
      int errors,
      int transactionMetrics,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer destinationMetrics) {}

  @PostMapping("/v1/events")
  ResponseEntity<Accepted> events(HttpServletRequest request) throws IOException {
    try {
      return accept(request);
    } catch (ApiException e) {
      metrics.rejected(e.code());
      throw e;
    }
  }

  private ResponseEntity<Accepted> accept(HttpServletRequest request) throws IOException {
    UUID app = authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
    requireJson(request.getContentType());
    IdempotencyKey key = idempotencyKey(request);
    boolean gzip = gzip(request.getHeader(HttpHeaders.CONTENT_ENCODING));
    if (!gzip && request.getContentLengthLong() > limits.maxBodyBytes()) {
      throw tooLarge("The request body is larger than " + limits.maxBodyBytes() + " bytes.");
    }
    Duration notYet = sink.mayTry(app);
    if (!notYet.isZero()) {
      throw AppRateLimiter.refusal(notYet);
    }

    DeadlineInputStream upload = AbandonedUploads.deadline(request, budget.readTimeout());
    LimitedInputStream raw = new LimitedInputStream(upload, limits.maxBodyBytes());
    LimitedInputStream body = raw;
    StorableEscapes.Stream escaped = null;
    ParseOutcome outcome;
    try {
      InputStream decoded = gzip ? new GZIPInputStream(raw, 8192) : raw;
      body = gzip ? new LimitedInputStream(decoded, limits.maxBodyBytes()) : raw;
      escaped = new StorableEscapes.Stream(body);
      outcome = parser.parse(escaped, app, UUID.randomUUID(), clock.instant());
    } catch (ZipException | java.io.EOFException e) {
      throw new ApiException(
          ErrorCode.INVALID_JSON, "The body is not valid gzip (Content-Encoding: gzip).");
    } catch (DeadlineInputStream.ReadTimeoutException e) {
      throw timedOut(upload);
    } finally {
      metrics.bytesIn(raw.count(), body.count());
    }
    if (upload.expired()) {
      throw timedOut(upload);
    }

    EventBatch batch =
        switch (outcome) {
          case ParseOutcome.Valid v -> v.batch();
          case ParseOutcome.InvalidJson j ->
              throw new ApiException(ErrorCode.INVALID_JSON, j.message());
          case ParseOutcome.InvalidPayload p ->
              throw new ApiException(
                  ErrorCode.INVALID_PAYLOAD, invalidMessage(p.details()), p.details());
          case ParseOutcome.TooLarge t -> throw tooLarge(t.message());
        };

    switch (sink.accept(EventSink.Receiver.EVENTS, app, List.of(batch), escaped.replaced(), key)) {
      case EventSink.Outcome.Accepted a -> {}
      case EventSink.Outcome.RateLimited r -> throw AppRateLimiter.refusal(r.retryAfter());
      case EventSink.Outcome.TooLarge t -> throw tooLarge(t.message());
      case EventSink.Outcome.Unavailable u ->
          throw new ApiException(
              ErrorCode.UNAVAILABLE,
              "The event queue is not accepting events right now; retry later.",
              List.of(),
              u.retryAfter());
    }
    // The request's own: a transaction kept in full is in the batch twice (counted, and a sample).
    ParseOutcome.Valid valid = (ParseOutcome.Valid) outcome;
    int transactions = valid.transactions();
    int destinations = valid.destinationMetrics();
    metrics.accepted(transactions, batch.errors().size(), batch.metrics().size(), destinations);
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(
            new Accepted(
                new Counts(
                    transactions,
                    batch.errors().size(),
                    batch.metrics().size(),
                    destinations > 0 ? destinations : null)));
  }

  private UUID authenticate(String header) {
    String token = AppTokenTable.presented(header, "Bearer");
    if (token == null) {
      throw new ApiException(
          ErrorCode.UNAUTHORIZED, "Send the app's secret token as Authorization: Bearer <token>.");
    }
    return tokens
        .appFor(token)
        .orElseThrow(
            () -> new ApiException(ErrorCode.UNAUTHORIZED, "The secret token is not valid."));
  }

  /** The request's key, or null; an invalid one is a 400 naming the header. */
  static IdempotencyKey idempotencyKey(HttpServletRequest request) {
    try {
      return IdempotencyKey.of(request);
    } catch (IdempotencyKey.InvalidException e) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          e.getMessage(),
          List.of(new ErrorBody.Detail(IdempotencyKey.HTTP_HEADER, e.problem())));
    }
  }

  private static void requireJson(String contentType) {
    if (contentType != null) {
      try {
        if (MediaType.APPLICATION_JSON.isCompatibleWith(MediaType.parseMediaType(contentType))
            && !MediaType.parseMediaType(contentType).isWildcardType()) {
          return;
        }
      } catch (org.springframework.util.InvalidMimeTypeException e) {
        // Falls through to 415.
      }
    }
    throw new ApiException(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the events as Content-Type: application/json.");
  }

  private static boolean gzip(String encoding) {
    if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
      return false;
    }
    if (encoding.trim().toLowerCase(Locale.ROOT).equals("gzip")) {
      return true;
    }
    throw new ApiException(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or absent.");
  }

  /**
   * 400 rather than 408: the contract's codes have no time-out, and OTLP exporters retry 408, while
   * a client that cannot upload its body in time would only hold another thread on a retry.
   */
  private static ApiException timedOut(DeadlineInputStream upload) {
    return new ApiException(ErrorCode.INVALID_PAYLOAD, upload.answer());
  }

  private static ApiException tooLarge(String message) {
    return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, message);
  }

  private static String invalidMessage(List<ErrorBody.Detail> details) {
    return details.size() == 1
        ? "One field of the request is invalid."
        : "Fields of the request are invalid (" + details.size() + " shown).";
  }
}
