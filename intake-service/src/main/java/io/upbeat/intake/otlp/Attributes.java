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
    if (v == null) {
      return null;
    }
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
