package io.upbeat.events;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * An app's own scrubbing keys as published on {@link Topics#APP_TOKENS}, next to its tokens: key
 * {@code scrubbing:<app id>} (never a 64-hex token digest, so readers tell the two apart by key),
 * value {@code {"v":1,"app_id":"...","keys":["iban", ...]}}. Compaction keeps the latest list per
 * app; an app without keys of its own is a tombstone. Sharing the token topic means intake's one
 * feed, and its one readiness gate, covers both: an intake instance is ready only once it knows
 * every app's tokens and keys.
 */
public final class AppScrubbingCodec {
  /** Bumped only for changes old readers cannot ignore. */
  public static final int VERSION = 1;

  private static final String KEY_PREFIX = "scrubbing:";
  private static final JsonFactory JSON = new JsonFactory();

  private AppScrubbingCodec() {}

  /** The record key of {@code app}'s keys. */
  public static String key(UUID app) {
    return KEY_PREFIX + app;
  }

  /** Whether a record key is an app's scrubbing keys (rather than a token digest). */
  public static boolean isKey(String key) {
    return key != null && key.startsWith(KEY_PREFIX);
  }

  /**
   * The app a scrubbing record key names.
   *
   * @throws IllegalArgumentException if it names none
   */
  public static UUID app(String key) {
    if (!isKey(key)) {
      throw new IllegalArgumentException("not a scrubbing record key: " + key);
    }
    return UUID.fromString(key.substring(KEY_PREFIX.length()));
  }

  public static byte[] encode(UUID app, List<String> keys) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 32 * keys.size());
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", VERSION);
      g.writeStringProperty("app_id", app.toString());
      g.writeArrayPropertyStart("keys");
      for (String k : keys) {
        g.writeString(k);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /**
   * The keys of a record value.
   *
   * @throws IllegalArgumentException if {@code bytes} is not a scrubbing record of a version this
   *     reader understands
   */
  public static List<String> decode(byte[] bytes) {
    Integer version = null;
    List<String> keys = null;
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("scrubbing record is not a JSON object");
      }
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "v" -> version = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : null;
          case "keys" -> {
            if (value != JsonToken.START_ARRAY) {
              throw new IllegalArgumentException("scrubbing record keys is not an array");
            }
            keys = new ArrayList<>();
            while (p.nextToken() == JsonToken.VALUE_STRING) {
              keys.add(p.getString());
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
              throw new IllegalArgumentException("scrubbing record keys are not all strings");
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (JacksonException e) {
      throw new IllegalArgumentException("scrubbing record is not valid JSON", e);
    }
    if (version == null || version != VERSION) {
      throw new IllegalArgumentException("unsupported scrubbing record version: " + version);
    }
    if (keys == null) {
      throw new IllegalArgumentException("scrubbing record lacks keys");
    }
    return List.copyOf(keys);
  }
}
