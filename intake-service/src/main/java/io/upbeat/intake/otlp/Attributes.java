package io.upbeat.intake.otlp;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** OTLP key-value attributes, read by semantic-convention name; the first of a duplicated key. */
final class Attributes {
  static final Attributes EMPTY = new Attributes(Map.of());

  private final Map<String, AnyValue> values;

  private Attributes(Map<String, AnyValue> values) {
    this.values = values;
  }

  static Attributes of(List<KeyValue> attributes) {
    if (attributes.isEmpty()) {
      return EMPTY;
    }
    Map<String, AnyValue> values = HashMap.newHashMap(attributes.size());
    for (KeyValue kv : attributes) {
      values.putIfAbsent(kv.getKey(), kv.getValue());
    }
    return new Attributes(values);
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** The value as text (numbers and booleans too), or null when absent or empty. */
  String string(String key) {
    AnyValue v = values.get(key);
    return v == null ? null : scalar(v);
  }

  private static String scalar(AnyValue v) {
    String s =
        switch (v.getValueCase()) {
          case STRING_VALUE -> v.getStringValue();
          case INT_VALUE -> Long.toString(v.getIntValue());
          case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
          case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
          default -> null;
        };
    return s == null || s.isEmpty() ? null : s;
  }

  /**
   * The attributes whose keys start with {@code prefix}, by the rest of the key, as text: scalars
   * as {@link #string(String)} reads them, arrays of scalars joined with {@code ", "} (as HTTP
   * joins a repeated header: OpenTelemetry records {@code http.request.header.*} as arrays).
   */
  Map<String, String> withPrefix(String prefix) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (Map.Entry<String, AnyValue> e : values.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(prefix) || key.length() == prefix.length()) {
        continue;
      }
      AnyValue v = e.getValue();
      String text;
      if (v.getValueCase() == AnyValue.ValueCase.ARRAY_VALUE) {
        List<String> parts = new java.util.ArrayList<>();
        for (AnyValue item : v.getArrayValue().getValuesList()) {
          String s = scalar(item);
          if (s != null) {
            parts.add(s);
          }
        }
        text = parts.isEmpty() ? null : String.join(", ", parts);
      } else {
        text = scalar(v);
      }
      if (text != null) {
        out.put(key.substring(prefix.length()), text);
      }
    }
    return out;
  }

  /** The first present of {@code keys} as text: current semantic conventions first, then old. */
  String string(String... keys) {
    for (String k : keys) {
      String s = string(k);
      if (s != null) {
        return s;
      }
    }
    return null;
  }

  /** The value as an integer (ints, or strings of digits, as some SDKs send), or null. */
  Long integer(String... keys) {
    for (String k : keys) {
      AnyValue v = values.get(k);
      if (v == null) {
        continue;
      }
      switch (v.getValueCase()) {
        case INT_VALUE -> {
          return v.getIntValue();
        }
        case DOUBLE_VALUE -> {
          return (long) v.getDoubleValue();
        }
        case STRING_VALUE -> {
          try {
            return Long.parseLong(v.getStringValue().trim());
          } catch (NumberFormatException e) {
            // not a number: try the next key
          }
        }
        default -> {}
      }
    }
    return null;
  }
}
