package io.upbeat.intake.otlp;

import com.google.protobuf.CodedOutputStream;
import io.upbeat.support.web.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * OTLP/HTTP answers, in the request's content type as the specification requires. Success is the
 * signal's {@code Export*ServiceResponse}; a failure's body is a {@code google.rpc.Status} ({@code
 * code}, {@code message}). For JSON the failure body is the contract's error body ({@code error},
 * {@code message}, {@code details}) with the Status {@code code} added, so it is both; for protobuf
 * it is the Status message alone, since a protobuf client could not read anything else.
 */
final class OtlpResponses {
  static final MediaType PROTOBUF = MediaType.parseMediaType("application/x-protobuf");
  private static final JsonFactory JSON = new JsonFactory();

  private OtlpResponses() {}

  enum Format {
    PROTOBUF,
    JSON
  }

  static ResponseEntity<byte[]> ok(Format format, com.google.protobuf.Message response) {
    byte[] body =
        format == Format.PROTOBUF
            ? response.toByteArray()
            : OtlpJson.print(response).getBytes(StandardCharsets.UTF_8);
    return ResponseEntity.ok().contentType(mediaType(format)).body(body);
  }

  /**
   * A failure answer; {@code retryAfter} (429, 503) becomes {@code Retry-After} in whole seconds.
   */
  static ResponseEntity<byte[]> failure(
      Format format, ErrorCode code, String message, Duration retryAfter) {
    ResponseEntity.BodyBuilder b =
        ResponseEntity.status(code.status()).contentType(mediaType(format));
    if (retryAfter != null) {
      b.header(
          HttpHeaders.RETRY_AFTER,
          String.valueOf(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
    }
    return b.body(
        format == Format.PROTOBUF ? status(grpcCode(code), message) : json(code, message));
  }

  private static MediaType mediaType(Format format) {
    return format == Format.PROTOBUF ? PROTOBUF : MediaType.APPLICATION_JSON;
  }

  /** The gRPC status code OTLP pairs with each HTTP status. */
  static int grpcCode(ErrorCode code) {
    return switch (code) {
      case INVALID_JSON, INVALID_PAYLOAD, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE -> 3;
      case UNAUTHORIZED -> 16;
      case FORBIDDEN -> 7;
      case NOT_FOUND -> 5;
      case RATE_LIMITED -> 8;
      case UNAVAILABLE -> 14;
      default -> 13;
    };
  }

  /** {@code google.rpc.Status}: field 1 int32 code, field 2 string message. */
  static byte[] status(int code, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + message.length());
    CodedOutputStream c = CodedOutputStream.newInstance(out);
    try {
      c.writeInt32(1, code);
      c.writeString(2, message);
      c.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  private static byte[] json(ErrorCode code, String message) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      g.writeStringProperty("error", code.code());
      g.writeStringProperty("message", message);
      g.writeArrayPropertyStart("details");
      g.writeEndArray();
      g.writeNumberProperty("code", grpcCode(code));
      g.writeEndObject();
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
