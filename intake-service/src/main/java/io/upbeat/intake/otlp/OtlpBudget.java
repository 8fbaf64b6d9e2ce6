package io.upbeat.intake.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Counts what an OTLP body would decode to before it is decoded, so that a small body of millions
 * of empty messages (two bytes each in protobuf) is refused in one linear pass over its bytes,
 * without building them: items (spans, log records, metric data points) and messages of any kind
 * (attributes, events, links...). Each pass stops as soon as a count passes its limit.
 *
 * <p>Protobuf is walked on the wire format with {@link CodedInputStream}, guided by the request's
 * descriptor (which fields are messages); nothing is allocated per field. JSON is walked as a token
 * stream: every object is a message, and an object in a {@code spans}, {@code logRecords} or {@code
 * dataPoints} array is an item.
 */
final class OtlpBudget {
  /** Protobuf-java's own default, so the walk refuses no less and no more than the decoder. */
  static final int MAX_DEPTH = 100;

  private static final Set<String> ITEM_TYPES =
      Set.of(
          "opentelemetry.proto.trace.v1.Span",
          "opentelemetry.proto.logs.v1.LogRecord",
          "opentelemetry.proto.metrics.v1.NumberDataPoint",
          "opentelemetry.proto.metrics.v1.HistogramDataPoint",
          "opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint",
          "opentelemetry.proto.metrics.v1.SummaryDataPoint");

  private static final Set<String> ITEM_ARRAYS =
      Set.of("spans", "logRecords", "log_records", "dataPoints", "data_points");

  private static final JsonFactory JSON = new JsonFactory();

  private final int maxItems;
  private final int maxMessages;
  private int items;
  private int messages;

  private OtlpBudget(int maxItems, int maxMessages) {
    this.maxItems = maxItems;
    this.maxMessages = maxMessages;
  }

  /** A body over budget; the message says which count and its limit. */
  static final class OverBudget extends Exception {
    OverBudget(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Walks a protobuf body of message {@code type}.
   *
   * @throws InvalidProtocolBufferException when the bytes are not a protobuf message
   */
  static void protobuf(byte[] body, Descriptor type, int maxItems, int maxMessages)
      throws OverBudget, InvalidProtocolBufferException {
    OtlpBudget b = new OtlpBudget(maxItems, maxMessages);
    CodedInputStream in = CodedInputStream.newInstance(body);
    try {
      b.message(in, type, 0);
      if (!in.isAtEnd()) {
        throw new InvalidProtocolBufferException("data after the message");
      }
    } catch (OverBudgetUnchecked e) {
      throw new OverBudget(e.getMessage());
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  /** Walks an OTLP/JSON body; syntax errors are left to the decoder that follows. */
  static void json(byte[] body, int maxItems, int maxMessages) throws OverBudget {
    OtlpBudget b = new OtlpBudget(maxItems, maxMessages);
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t != JsonToken.START_OBJECT) {
          continue;
        }
        TokenStreamContext array = p.streamReadContext().getParent();
        TokenStreamContext owner = array == null ? null : array.getParent();
        b.count(
            array != null
                && array.inArray()
                && owner != null
                && ITEM_ARRAYS.contains(owner.currentName()));
      }
    } catch (OverBudgetUnchecked e) {
      throw new OverBudget(e.getMessage());
    } catch (JacksonException e) {
      // Not JSON: the decoder says so with its own answer.
    }
  }

  private void message(CodedInputStream in, Descriptor type, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new InvalidProtocolBufferException("the message nests too deeply");
    }
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      if (field != null
          && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        Descriptor child = field.getMessageType();
        count(ITEM_TYPES.contains(child.getFullName()));
        int length = in.readRawVarint32();
        if (length < 0) {
          throw new InvalidProtocolBufferException("negative length");
        }
        int outer = in.pushLimit(length);
        message(in, child, depth + 1);
        if (!in.isAtEnd()) {
          throw new InvalidProtocolBufferException("a message ended inside a field");
        }
        in.popLimit(outer);
      } else if (!in.skipField(tag)) {
        return; // an end-group tag
      }
    }
  }

  private void count(boolean item) throws OverBudgetUnchecked {
    if (++messages > maxMessages) {
      throw new OverBudgetUnchecked(
          "The request has more than " + maxMessages + " OTLP messages (attributes, events...).");
    }
    if (item && ++items > maxItems) {
      throw new OverBudgetUnchecked(
          "The request has more than " + maxItems + " spans, log records or data points.");
    }
  }

  /** Carries {@link OverBudget} out of the walks. */
  private static final class OverBudgetUnchecked extends RuntimeException {
    OverBudgetUnchecked(String message) {
      super(message, null, false, false);
    }
  }
}
