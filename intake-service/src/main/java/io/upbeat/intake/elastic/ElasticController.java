package io.upbeat.intake.elastic;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.intake.auth.AppTokenTable;
import io.upbeat.intake.http.AbandonedUploads;
import io.upbeat.intake.publish.EventSink;
import io.upbeat.intake.publish.IdempotencyKey;
import io.upbeat.intake.ratelimit.AppRateLimiter;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.DeadlineInputStream;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.LimitedInputStream;
import io.upbeat.intake.validate.RequestBudget;
import io.upbeat.intake.validate.StorableEscapes;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.EOFException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipException;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * Elastic APM Server's intake API v2, so Elastic APM agents report to Upbeat unchanged: server
 * information, (empty) central configuration, and the ND-JSON event stream. Events take the same
 * path as {@code /v1/events}: the same token table, rate limit and limits, one Kafka record per
 * request, 202 only after Kafka acknowledged it.
 */
@RestController
class ElasticController {
  /** The APM Server version announced: 8.x makes agents use their current protocol features. */
  static final String SERVER_VERSION = "8.16.0";

  /** There is no central configuration: every agent gets the same empty one. */
  static final String CONFIG_ETAG = "\"upbeat-no-central-config\"";

  private static final MediaType NDJSON = MediaType.parseMediaType("application/x-ndjson");

  private final AppTokenTable tokens;
  private final ElasticEventReader reader;
  private final EventSink sink;
  private final IntakeLimits limits;
  private final RequestBudget budget;
  private final Clock clock;
  private final ElasticMetrics metrics;

  ElasticController(
      AppTokenTable tokens,
      EventSink sink,
      IntakeLimits limits,
      RequestBudget budget,
      Clock clock,
      TraceSampler sampler,
      MeterRegistry meters) {
    this.tokens = tokens;
    this.reader = new ElasticEventReader(limits, sampler);
    this.sink = sink;
    this.limits = limits;
    this.budget = budget;
    this.clock = clock;
    this.metrics = new ElasticMetrics(meters);
  }

  /** APM Server's error body, with the contract's fields first. */
  record ElasticError(
      String error,
      String message,
      List<ErrorBody.Detail> details,
      int accepted,
      List<Message> errors) {}

  record Message(String message) {}

  record ServerInfo(String buildDate, String buildSha, boolean publishReady, String version) {}

  @GetMapping("/")
  ServerInfo serverInformation() {
    return new ServerInfo("2026-11-26T00:00:00Z", "upbeat", true, SERVER_VERSION);
  }

  /** Agents poll this for central configuration; Upbeat has none, so the answer never changes. */
  @RequestMapping(
      path = "/config/v1/agents",
      method = {RequestMethod.GET, RequestMethod.POST})
  ResponseEntity<Map<String, Object>> agentConfiguration(HttpServletRequest request) {
    ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
    String ifNoneMatch = request.getHeader(HttpHeaders.IF_NONE_MATCH);
    boolean unchanged = ifNoneMatch != null && ifNoneMatch.contains(CONFIG_ETAG);
    return (unchanged ? ResponseEntity.status(HttpStatus.NOT_MODIFIED) : ok)
        .cacheControl(CacheControl.maxAge(Duration.ofSeconds(30)).mustRevalidate())
        .eTag(CONFIG_ETAG)
        .body(unchanged ? null : Map.of());
  }

  @PostMapping("/intake/v2/events")
  ResponseEntity<?> events(HttpServletRequest request) throws IOException {
    try {
      return accept(request);
    } catch (ApiException e) {
      metrics.rejected(e.code());
      ResponseEntity.BodyBuilder response =
          ResponseEntity.status(e.code().status()).contentType(MediaType.APPLICATION_JSON);
      if (e.retryAfter() != null) {
        response.header(
            HttpHeaders.RETRY_AFTER,
            String.valueOf(Math.max(1, (e.retryAfter().toMillis() + 999) / 1000)));
      }
      return response.body(
          new ElasticError(
              e.code().code(),
              e.getMessage(),
              e.details(),
              0,
              List.of(new Message(e.getMessage()))));
    }
  }

  private ResponseEntity<?> accept(HttpServletRequest request) throws IOException {
    UUID app = authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
    requireNdJson(request.getContentType());
    IdempotencyKey key = idempotencyKey(request);
    ContentEncoding encoding = ContentEncoding.of(request.getHeader(HttpHeaders.CONTENT_ENCODING));
    if (encoding == null) {
      throw new ApiException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip, deflate or absent.");
    }
    if (encoding == ContentEncoding.IDENTITY
        && request.getContentLengthLong() > limits.maxBodyBytes()) {
      throw tooLarge("The request body is larger than " + limits.maxBodyBytes() + " bytes.");
    }
    Duration notYet = sink.mayTry(app);
    if (!notYet.isZero()) {
      throw AppRateLimiter.refusal(notYet);
    }

    DeadlineInputStream upload = AbandonedUploads.deadline(request, budget.streamReadTimeout());
    LimitedInputStream raw = new LimitedInputStream(upload, limits.maxBodyBytes());
    LimitedInputStream body = raw;
    StorableEscapes.Stream escaped = null;
    ElasticOutcome outcome;
    try {
      body = new LimitedInputStream(encoding.decode(raw), limits.maxBodyBytes());
      escaped = new StorableEscapes.Stream(body);
      outcome = reader.read(escaped, app, UUID.randomUUID(), clock.instant());
    } catch (ZipException | EOFException e) {
      throw new ApiException(
          ErrorCode.INVALID_JSON,
          encoding == ContentEncoding.IDENTITY
              ? "The request body ended unexpectedly."
              : "The body is not valid "
                  + encoding.name().toLowerCase(Locale.ROOT)
                  + " (Content-Encoding).");
    } catch (DeadlineInputStream.ReadTimeoutException e) {
      // 400 rather than 408: see EventsController.timedOut.
      throw new ApiException(ErrorCode.INVALID_PAYLOAD, upload.answer());
    } finally {
      metrics.bytesIn(raw.count(), body.count());
    }

    ElasticOutcome.Read read =
        switch (outcome) {
          case ElasticOutcome.Read r -> r;
          case ElasticOutcome.Refused r -> throw new ApiException(r.code(), r.message());
        };
    metrics.skipped(read.skipped());
    if (read.events() > 0) {
      publish(app, read, escaped.replaced(), key);
    }
    metrics.accepted(read.batch().transactions().size(), read.batch().errors().size());
    if (request.getParameter("verbose") != null) {
      return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("accepted", read.events()));
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED).build();
  }

  private void publish(
      UUID app, ElasticOutcome.Read read, int escapesReplaced, IdempotencyKey key) {
    switch (sink.accept(
        EventSink.Receiver.ELASTIC, app, List.of(read.batch()), escapesReplaced, key)) {
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
  }

  /**
   * {@code Bearer <secret_token>} as Elastic agents send their {@code secret_token}; {@code ApiKey
   * <secret_token>} too, for agents configured with {@code api_key} instead.
   */
  private UUID authenticate(String header) {
    String token = AppTokenTable.presented(header, "Bearer", "ApiKey");
    if (token == null) {
      throw new ApiException(
          ErrorCode.UNAUTHORIZED,
          "Set the agent's secret_token to the app's secret token (Authorization: Bearer).");
    }
    return tokens
        .appFor(token)
        .orElseThrow(
            () -> new ApiException(ErrorCode.UNAUTHORIZED, "The secret token is not valid."));
  }

  private static void requireNdJson(String contentType) {
    if (contentType != null) {
      try {
        MediaType type = MediaType.parseMediaType(contentType);
        if (NDJSON.includes(type) || MediaType.APPLICATION_JSON.includes(type)) {
          return;
        }
      } catch (org.springframework.util.InvalidMimeTypeException e) {
        // Falls through to 415.
      }
    }
    throw new ApiException(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the events as Content-Type: application/x-ndjson.");
  }

  /** The request's key, or null; an invalid one is a 400 naming the header. */
  private static IdempotencyKey idempotencyKey(HttpServletRequest request) {
    try {
      return IdempotencyKey.of(request);
    } catch (IdempotencyKey.InvalidException e) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          e.getMessage(),
          List.of(new ErrorBody.Detail(IdempotencyKey.HTTP_HEADER, e.problem())));
    }
  }

  private static ApiException tooLarge(String message) {
    return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, message);
  }
}
