package io.upbeat.intake.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * OTLP/JSON, which is protobuf's JSON mapping with one exception that matters: trace and span ids
 * are hex strings, not base64. {@link JsonFormat} would read {@code
 * "5b8efff798038103d269b633813fc60c"} as base64 and silently produce a wrong 24-byte id. So the
 * document is read with Jackson first, the id fields ({@code traceId}, {@code spanId}, {@code
 * parentSpanId}, in either naming) are checked as hex of the right length and rewritten to base64,
 * and only then handed to {@link JsonFormat}. Its other OTLP rules hold as they are: enums as
 * integers, 64-bit integers as numbers or strings, lowerCamelCase or original field names, and
 * unknown fields ignored.
 */
final class OtlpJson {
  private static final JsonMapper MAPPER = JsonMapper.shared();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();

  /** Id fields and their length in bytes. */
  private static final Map<String, Integer> ID_BYTES =
      Map.of(
          "traceId", 16,
          "trace_id", 16,
          "spanId", 8,
          "span_id", 8,
          "parentSpanId", 8,
          "parent_span_id", 8);

  private static final Set<String> ID_FIELDS = ID_BYTES.keySet();

  private OtlpJson() {}

  /** Thrown for a body that is not an OTLP/JSON document of the expected message. */
  static final class InvalidJson extends Exception {
    InvalidJson(String message) {
      super(message, null, false, false);
    }
  }

  static void merge(byte[] body, Message.Builder into) throws InvalidJson {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw new InvalidJson("The request body is not valid JSON.");
    }
    if (root == null || root.isMissingNode()) {
      return; // an empty body: an empty request
    }
    if (!root.isObject()) {
      throw new InvalidJson("The request body must be a JSON object.");
    }
    hexIdsToBase64(root, 0);
    try {
      // Not root.toString(), which turns an unpaired surrogate escape into '?': the sink replaces
      // it with U+FFFD, as at every receiver.
      PARSER.merge(MAPPER.writeValueAsString(root), into);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new InvalidJson("The request body is not an OTLP/JSON message: " + brief(e));
    }
  }

  static String print(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void hexIdsToBase64(JsonNode node, int depth) throws InvalidJson {
    if (depth > 64) {
      throw new InvalidJson("The request body nests too deeply.");
    }
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      for (String name : Set.copyOf(object.propertyNames())) {
        JsonNode value = object.get(name);
        if (ID_FIELDS.contains(name) && value.isString()) {
          object.set(name, StringNode.valueOf(base64(name, value.asString())));
        } else if (value.isContainer()) {
          hexIdsToBase64(value, depth + 1);
        }
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        hexIdsToBase64(element, depth + 1);
      }
    }
  }

  private static String base64(String field, String hex) throws InvalidJson {
    if (hex.isEmpty()) {
      return hex; // no parent
    }
    int bytes = ID_BYTES.get(field);
    if (hex.length() != bytes * 2) {
      throw new InvalidJson(
          field + " must be " + bytes * 2 + " hex digits, not " + Math.min(hex.length(), 999));
    }
    try {
      return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new InvalidJson(field + " must be hex digits");
    }
  }

  private static String brief(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    // JsonFormat's messages quote the input; keep them short and single-line.
    m = m.length() > 200 ? m.substring(0, 200) + "..." : m;
    StringBuilder out = new StringBuilder(m.length());
    for (int i = 0; i < m.length(); i++) {
      char c = m.charAt(i);
      boolean space = Character.isWhitespace(c);
      if (!space || out.isEmpty() || out.charAt(out.length() - 1) != ' ') {
        out.append(space ? ' ' : c);
      }
    }
    return out.toString();
  }
}
