package io.upbeat.events;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * What an event's {@code context} says about where it happened: the request, the user and the tags.
 * The one reader of those parts of the context, so the processor (which counts distinct users by
 * {@link #userKey()}) and the API (which shows them) agree on what they mean.
 *
 * <p>The canonical shape is the native intake's: {@code {"request": {"method", "url", "headers":
 * {name: value}}, "user": {"id", "email", "name"}, "tags": {key: value}}}. Receivers of other
 * formats map theirs to it before Kafka. Reading is lenient all the same, since a context is the
 * agent's free-form object: a user id or tag given as a number or boolean is read as its text, a
 * header given as an array of strings is joined with {@code ", "}, and anything else of the wrong
 * type is left out rather than refused. Other parts of the context are ignored here.
 *
 * @param request null when the context names neither method, URL nor headers
 * @param user null when the context names no user id, e-mail or name
 * @param tags in the order sent; empty when none
 */
public record ErrorContext(Request request, User user, Map<String, String> tags) {
  /** The context of an event that has none. */
  public static final ErrorContext EMPTY = new ErrorContext(null, null, Map.of());

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * @param headers in the order sent; empty when none
   */
  public record Request(String method, String url, Map<String, String> headers) {
    public Request {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }
  }

  public record User(String id, String email, String name) {}

  public ErrorContext {
    tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
  }

  /**
   * Who the event happened to, for counting distinct users: {@code id:} and the user id when there
   * is one, else {@code email:} and the e-mail in lower case, else null (the event counts towards
   * no user). An id and an e-mail of one person are two users; agents that send both always send
   * the id.
   */
  public String userKey() {
    if (user == null) {
      return null;
    }
    if (user.id() != null && !user.id().isEmpty()) {
      return "id:" + user.id();
    }
    if (user.email() != null && !user.email().isEmpty()) {
      return "email:" + user.email().toLowerCase(Locale.ROOT);
    }
    return null;
  }

  /**
   * {@link #userKey()} of a context, reading only its {@code user} (the processor asks this of
   * every error).
   */
  public static String userKey(String json) {
    if (json == null || json.isEmpty()) {
      return null;
    }
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      User user = null;
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("user".equals(field) && value == JsonToken.START_OBJECT) {
          user = user(p);
        } else {
          p.skipChildren();
        }
      }
      return new ErrorContext(null, user, Map.of()).userKey();
    } catch (JacksonException e) {
      return null;
    }
  }

  /**
   * Reads a stored or received context.
   *
   * @param json a JSON object, or null
   * @return {@link #EMPTY} for null, for anything but an object, and for JSON that does not parse
   */
  public static ErrorContext parse(String json) {
    if (json == null || json.isEmpty()) {
      return EMPTY;
    }
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return EMPTY;
      }
      Request request = null;
      User user = null;
      Map<String, String> tags = Map.of();
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "request" -> request = value == JsonToken.START_OBJECT ? request(p) : skip(p);
          case "user" -> user = value == JsonToken.START_OBJECT ? user(p) : skip(p);
          case "tags" -> tags = value == JsonToken.START_OBJECT ? scalars(p) : skip(p, tags);
          default -> p.skipChildren();
        }
      }
      return new ErrorContext(request, user, tags);
    } catch (JacksonException e) {
      return EMPTY;
    }
  }

  private static Request request(JsonParser p) {
    String method = null;
    String url = null;
    Map<String, String> headers = Map.of();
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "method" -> method = scalar(p, value);
        case "url" -> url = scalar(p, value);
        case "headers" -> headers = value == JsonToken.START_OBJECT ? scalars(p) : skip(p, headers);
        default -> p.skipChildren();
      }
    }
    if (method == null && url == null && headers.isEmpty()) {
      return null;
    }
    return new Request(method, url, headers);
  }

  private static User user(JsonParser p) {
    String id = null;
    String email = null;
    String name = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "id" -> id = scalar(p, value);
        case "email" -> email = scalar(p, value);
        case "name" -> name = scalar(p, value);
        default -> p.skipChildren();
      }
    }
    if (id == null && email == null && name == null) {
      return null;
    }
    return new User(id, email, name);
  }

  /**
   * An object's scalar members as text (arrays of scalars joined with {@code ", "}, as HTTP joins
   * repeated headers); objects and nulls are left out.
   */
  private static Map<String, String> scalars(JsonParser p) {
    Map<String, String> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String key = p.currentName();
      JsonToken value = p.nextToken();
      String text;
      if (value == JsonToken.START_ARRAY) {
        StringBuilder joined = new StringBuilder();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          String s = scalar(p, t);
          if (s != null) {
            if (!joined.isEmpty()) {
              joined.append(", ");
            }
            joined.append(s);
          }
        }
        text = joined.isEmpty() ? null : joined.toString();
      } else {
        text = scalar(p, value);
      }
      if (text != null) {
        out.putIfAbsent(key, text);
      }
    }
    return out;
  }

  /** A string, number or boolean as text; null (and skipped) for anything else. */
  private static String scalar(JsonParser p, JsonToken value) {
    return switch (value) {
      case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getString();
      case VALUE_TRUE -> "true";
      case VALUE_FALSE -> "false";
      default -> {
        p.skipChildren();
        yield null;
      }
    };
  }

  private static <T> T skip(JsonParser p) {
    p.skipChildren();
    return null;
  }

  private static <T> T skip(JsonParser p, T keep) {
    p.skipChildren();
    return keep;
  }
}
