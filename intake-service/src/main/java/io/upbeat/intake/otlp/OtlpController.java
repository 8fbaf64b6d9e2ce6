package io.upbeat.intake.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.upbeat.events.EventBatch;
import io.upbeat.intake.auth.AppTokenTable;
import io.upbeat.intake.http.AbandonedUploads;
import io.upbeat.intake.otlp.OtlpResponses.Format;
import io.upbeat.intake.publish.EventSink;
import io.upbeat.intake.publish.IdempotencyKey;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.BodyTooLargeException;
import io.upbeat.intake.validate.DeadlineInputStream;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.LimitedInputStream;
import io.upbeat.intake.validate.MalformedTextException;
import io.upbeat.intake.validate.RequestBudget;
import io.upbeat.intake.validate.StorableEscapes;
import io.upbeat.intake.validate.Utf8CheckingInputStream;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * OTLP/HTTP: {@code POST /v1/traces}, {@code /v1/logs} and {@code /v1/metrics}, so OpenTelemetry
 * SDKs and agents can send to Upbeat unchanged. The same secret token, rate limit, body limits and
 * Kafka path as {@code /v1/events}: one request's events go to Kafka in one transaction, and 200
 * means they are there. The mapping itself is {@link OtlpMapper}; this class is HTTP only.
 */
@RestController
class OtlpController {
  private final AppTokenTable tokens;
  private final EventSink sink;
  private final IntakeLimits limits;
  private final RequestBudget budget;
  private final Clock clock;
  private final OtlpMapper mapper;
  private final OtlpMetrics metrics;

  OtlpController(
      AppTokenTable tokens,
      EventSink sink,
      IntakeLimits limits,
      RequestBudget budget,
      Clock clock,
      TraceSampler sampler,
      MeterRegistry meters) {
    this.tokens = tokens;
    this.sink = sink;
    this.limits = limits;
    this.budget = budget;
    this.clock = clock;
    this.mapper = new OtlpMapper(limits, sampler);
    this.metrics = new OtlpMetrics(meters);
  }

  /** A refusal of the whole request, answered in the request's format. */
  private static final class Refused extends Exception {
    final ErrorCode code;
    final Duration retryAfter;

    Refused(ErrorCode code, String message, Duration retryAfter) {
      super(message, null, false, false);
      this.code = code;
      this.retryAfter = retryAfter;
    }

    Refused(ErrorCode code, String message) {
      this(code, message, null);
    }
  }

  @PostMapping("/v1/traces")
  ResponseEntity<byte[]> traces(HttpServletRequest request) throws IOException {
    return handle(
        request,
        ExportTraceServiceRequest.newBuilder(),
        (m, now) -> mapper.traces((ExportTraceServiceRequest) m, now),
        (rejected, message) -> {
          ExportTraceServiceResponse.Builder r = ExportTraceServiceResponse.newBuilder();
          if (rejected > 0) {
            r.setPartialSuccess(
                ExportTracePartialSuccess.newBuilder()
                    .setRejectedSpans(rejected)
                    .setErrorMessage(message));
          }
          return r.build();
        });
  }

  @PostMapping("/v1/logs")
  ResponseEntity<byte[]> logs(HttpServletRequest request) throws IOException {
    return handle(
        request,
        ExportLogsServiceRequest.newBuilder(),
        (m, now) -> mapper.logs((ExportLogsServiceRequest) m, now),
        (rejected, message) -> {
          ExportLogsServiceResponse.Builder r = ExportLogsServiceResponse.newBuilder();
          if (rejected > 0) {
            r.setPartialSuccess(
                ExportLogsPartialSuccess.newBuilder()
                    .setRejectedLogRecords(rejected)
                    .setErrorMessage(message));
          }
          return r.build();
        });
  }

  /**
   * Metrics are accepted (checked, authenticated, decoded) and discarded: Upbeat computes its
   * response-time metrics from the spans themselves, exactly, so the SDK's own histograms would
   * only count the same requests a second time.
   */
  @PostMapping("/v1/metrics")
  ResponseEntity<byte[]> metrics(HttpServletRequest request) throws IOException {
    return handle(
        request,
        ExportMetricsServiceRequest.newBuilder(),
        (m, now) -> new OtlpMapper.Mapped(List.of(), 0, null),
        (rejected, message) -> ExportMetricsServiceResponse.getDefaultInstance());
  }

  private interface Mapping {
    OtlpMapper.Mapped map(Message request, Instant now);
  }

  private interface Reply {
    Message build(long rejected, String message);
  }

  private ResponseEntity<byte[]> handle(
      HttpServletRequest request, Message.Builder builder, Mapping mapping, Reply reply)
      throws IOException {
    Format format = null;
    try {
      format = format(request.getContentType());
      UUID app = authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
      IdempotencyKey key = idempotencyKey(request);
      boolean gzip = gzip(request.getHeader(HttpHeaders.CONTENT_ENCODING));
      if (!gzip && request.getContentLengthLong() > limits.maxBodyBytes()) {
        throw tooLarge();
      }
      Duration notYet = sink.mayTry(app);
      if (!notYet.isZero()) {
        throw rateLimited(notYet);
      }
      byte[] body = read(request, gzip);
      int escapesReplaced = decode(format, body, builder, budget);
      Instant now = clock.instant();
      OtlpMapper.Mapped mapped = mapping.map(builder.build(), now);
      int events = mapped.events();
      if (events > limits.maxEvents()) {
        throw new Refused(
            ErrorCode.PAYLOAD_TOO_LARGE,
            "The request has more than " + limits.maxEvents() + " transactions and errors.");
      }
      publish(app, now, mapped, escapesReplaced, key);
      int transactions = 0;
      int errors = 0;
      for (OtlpMapper.ServiceEvents s : mapped.services()) {
        transactions += s.transactions.size();
        errors += s.errors.size();
      }
      metrics.accepted(transactions, errors, mapped.rejected());
      return OtlpResponses.ok(format, reply.build(mapped.rejected(), mapped.rejectionMessage()));
    } catch (Refused r) {
      metrics.rejected(r.code);
      return OtlpResponses.failure(
          format == null ? Format.JSON : format, r.code, r.getMessage(), r.retryAfter);
    }
  }

  /** Every service's events as one batch each, through the sink (orphan spans cost tokens too). */
  private void publish(
      UUID app, Instant now, OtlpMapper.Mapped mapped, int escapesReplaced, IdempotencyKey key)
      throws Refused {
    List<EventBatch> batches = new ArrayList<>();
    for (OtlpMapper.ServiceEvents s : mapped.services()) {
      if (!s.isEmpty()) {
        batches.add(
            new EventBatch(
                UUID.randomUUID(),
                app,
                now,
                s.service,
                s.transactions,
                s.errors,
                s.samples,
                List.of(),
                s.orphans,
                s.exits.metrics()));
      }
    }
    switch (sink.accept(EventSink.Receiver.OTLP, app, batches, escapesReplaced, key)) {
      case EventSink.Outcome.Accepted a -> {}
      case EventSink.Outcome.RateLimited r -> throw rateLimited(r.retryAfter());
      case EventSink.Outcome.TooLarge t ->
          throw new Refused(ErrorCode.PAYLOAD_TOO_LARGE, t.message());
      case EventSink.Outcome.Unavailable u ->
          throw new Refused(
              ErrorCode.UNAVAILABLE,
              "The event queue is not accepting events right now; retry later.",
              u.retryAfter());
    }
  }

  private byte[] read(HttpServletRequest request, boolean gzip) throws IOException, Refused {
    DeadlineInputStream upload = AbandonedUploads.deadline(request, budget.readTimeout());
    LimitedInputStream raw = new LimitedInputStream(upload, limits.maxBodyBytes());
    LimitedInputStream body = raw;
    try {
      InputStream decoded = gzip ? new GZIPInputStream(raw, 8192) : raw;
      body = gzip ? new LimitedInputStream(decoded, limits.maxBodyBytes()) : raw;
      return body.readAllBytes();
    } catch (BodyTooLargeException e) {
      throw tooLarge();
    } catch (DeadlineInputStream.ReadTimeoutException e) {
      // 400, never retried by OTLP exporters: a client this slow would only hold another thread.
      throw new Refused(ErrorCode.INVALID_PAYLOAD, upload.answer());
    } catch (ZipException | EOFException e) {
      throw new Refused(
          ErrorCode.INVALID_PAYLOAD, "The body is not valid gzip (Content-Encoding: gzip).");
    } finally {
      metrics.bytesIn(raw.count(), body.count());
    }
  }

  /**
   * Decodes the body after checking its text (well-formed UTF-8: the whole JSON body, or each
   * protobuf string field, which protobuf-java checks strictly) and its budget, counted on the
   * bytes before anything is built.
   */
  private static int decode(Format format, byte[] body, Message.Builder into, RequestBudget budget)
      throws Refused {
    try {
      if (format == Format.PROTOBUF) {
        OtlpBudget.protobuf(
            body, into.getDescriptorForType(), budget.maxOtlpItems(), budget.maxOtlpMessages());
        try {
          into.mergeFrom(body);
        } catch (InvalidProtocolBufferException e) {
          if (e.getMessage() != null && e.getMessage().contains("UTF-8")) {
            throw new Refused(
                ErrorCode.INVALID_JSON, "A string field of the request is not well-formed UTF-8.");
          }
          throw e;
        }
        return 0;
      } else {
        Utf8CheckingInputStream.check(body);
        StorableEscapes escapes = new StorableEscapes();
        escapes.rewrite(body, 0, body.length, true);
        OtlpBudget.json(body, budget.maxOtlpItems(), budget.maxOtlpMessages());
        OtlpJson.merge(body, into);
        return escapes.replaced();
      }
    } catch (OtlpBudget.OverBudget e) {
      throw new Refused(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage());
    } catch (InvalidProtocolBufferException e) {
      throw new Refused(
          ErrorCode.INVALID_PAYLOAD, "The request body is not a valid OTLP protobuf message.");
    } catch (MalformedTextException e) {
      throw new Refused(ErrorCode.INVALID_JSON, e.answer());
    } catch (OtlpJson.InvalidJson e) {
      throw new Refused(ErrorCode.INVALID_JSON, e.getMessage());
    }
  }

  /**
   * The request's key, or null; an invalid one is a 400 naming the header (an OTLP failure, which
   * exporters do not retry).
   */
  private static IdempotencyKey idempotencyKey(HttpServletRequest request) throws Refused {
    try {
      return IdempotencyKey.of(request);
    } catch (IdempotencyKey.InvalidException e) {
      throw new Refused(ErrorCode.INVALID_PAYLOAD, e.getMessage());
    }
  }

  private UUID authenticate(String header) throws Refused {
    String token = AppTokenTable.presented(header, "Bearer");
    if (token == null) {
      throw new Refused(
          ErrorCode.UNAUTHORIZED,
          "Send the app's secret token as Authorization: Bearer <token>"
              + " (OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<token>).");
    }
    var app = tokens.appFor(token);
    if (app.isEmpty()) {
      throw new Refused(ErrorCode.UNAUTHORIZED, "The secret token is not valid.");
    }
    return app.get();
  }

  private static Format format(String contentType) throws Refused {
    if (contentType != null) {
      try {
        MediaType type = MediaType.parseMediaType(contentType);
        if (!type.isWildcardType() && !type.isWildcardSubtype()) {
          if (type.isCompatibleWith(OtlpResponses.PROTOBUF)
              || type.isCompatibleWith(MediaType.parseMediaType("application/protobuf"))) {
            return Format.PROTOBUF;
          }
          if (type.isCompatibleWith(MediaType.APPLICATION_JSON)) {
            return Format.JSON;
          }
        }
      } catch (org.springframework.util.InvalidMimeTypeException e) {
        // Falls through to 415.
      }
    }
    throw new Refused(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        "Send OTLP as Content-Type: application/x-protobuf or application/json.");
  }

  private static boolean gzip(String encoding) throws Refused {
    if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
      return false;
    }
    if (encoding.trim().toLowerCase(Locale.ROOT).equals("gzip")) {
      return true;
    }
    throw new Refused(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or absent.");
  }

  private Refused tooLarge() {
    return new Refused(
        ErrorCode.PAYLOAD_TOO_LARGE,
        "The request body is larger than " + limits.maxBodyBytes() + " bytes.");
  }

  private static Refused rateLimited(Duration wait) {
    return new Refused(
        ErrorCode.RATE_LIMITED,
        "This app is sending more events per second than allowed; retry later.",
        wait);
  }
}
