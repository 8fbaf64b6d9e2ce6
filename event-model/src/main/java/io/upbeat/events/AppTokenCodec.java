package io.upbeat.events;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The value format of {@link Topics#APP_TOKENS}: a small JSON object with a schema version, {@code
 * {"v":1,"app_id":"...","kind":"secret","created_at":"..."}}. Readers ignore fields they do not
 * know, so fields can be added without a new version.
 */
public final class AppTokenCodec {
  /** Bumped only for changes old readers cannot ignore. */
  public static final int VERSION = 1;

  private static final JsonFactory JSON = new JsonFactory();

  private AppTokenCodec() {}

  public static byte[] encode(AppTokenRecord token) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", VERSION);
      g.writeStringProperty("app_id", token.appId().toString());
      g.writeStringProperty("kind", token.kind());
      g.writeStringProperty("created_at", token.createdAt().toString());
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /**
   * @throws IllegalArgumentException if {@code bytes} is not a token record of a version this
   *     reader understands
   */
  public static AppTokenRecord decode(byte[] bytes) {
    Integer version = null;
    String appId = null;
    String kind = null;
    String createdAt = null;
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("app token record is not a JSON object");
      }
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "v" -> version = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : null;
          case "app_id" -> appId = value == JsonToken.VALUE_STRING ? p.getString() : null;
          case "kind" -> kind = value == JsonToken.VALUE_STRING ? p.getString() : null;
          case "created_at" -> createdAt = value == JsonToken.VALUE_STRING ? p.getString() : null;
          default -> p.skipChildren();
        }
      }
    } catch (JacksonException e) {
      throw new IllegalArgumentException("app token record is not valid JSON", e);
    }
    if (version == null || version != VERSION) {
      throw new IllegalArgumentException("unsupported app token record version: " + version);
    }
    if (appId == null || kind == null || createdAt == null) {
      throw new IllegalArgumentException("app token record lacks app_id, kind or created_at");
    }
    try {
      return new AppTokenRecord(UUID.fromString(appId), kind, Instant.parse(createdAt));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("app token record has a bad created_at", e);
    }
  }
}
