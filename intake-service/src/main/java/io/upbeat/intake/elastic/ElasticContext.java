package io.upbeat.intake.elastic;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An Elastic error's {@code context} in Upbeat's shape (see {@code io.upbeat.events.ErrorContext}),
 * so the error page and the search read request, user and tags as they do for Upbeat's own agent:
 * {@code request.url}, an object of parts there ({@code full}, {@code pathname}, {@code
 * search}...), becomes the full URL as a string (else path and query); {@code user.username}
 * becomes {@code user.name} and a numeric {@code user.id} its text; {@code tags} (Elastic's labels:
 * strings, numbers, booleans) become strings, nulls dropped. Everything else is kept as the agent
 * sent it.
 */
final class ElasticContext {
  private ElasticContext() {}

  /**
   * @param context the agent's {@code context} object (left unchanged)
   * @return a copy in Upbeat's shape
   */
  static ObjectNode canonical(ObjectNode context) {
    ObjectNode out = context.deepCopy();
    if (out.get("request") instanceof ObjectNode request) {
      JsonNode url = request.get("url");
      if (url != null && url.isObject()) {
        String text = url(url);
        if (text == null) {
          request.remove("url");
        } else {
          request.put("url", text);
        }
      }
    }
    if (out.get("user") instanceof ObjectNode user) {
      JsonNode id = user.get("id");
      if (id != null && id.isNumber()) {
        user.put("id", id.asString());
      }
      JsonNode username = user.get("username");
      if (!user.has("name") && username != null && username.isString()) {
        user.put("name", username.stringValue());
      }
    }
    if (out.get("tags") instanceof ObjectNode tags) {
      ObjectNode strings = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> e : tags.properties()) {
        JsonNode v = e.getValue();
        if (v.isString()) {
          strings.put(e.getKey(), v.stringValue());
        } else if (v.isNumber() || v.isBoolean()) {
          strings.put(e.getKey(), v.asString());
        }
      }
      out.set("tags", strings);
    }
    return out;
  }

  /** {@code full}, else {@code raw}, else {@code pathname} and {@code search}; null if none. */
  private static String url(JsonNode url) {
    for (String key : new String[] {"full", "raw"}) {
      JsonNode v = url.get(key);
      if (v != null && v.isString() && !v.stringValue().isEmpty()) {
        return v.stringValue();
      }
    }
    JsonNode path = url.get("pathname");
    if (path == null || !path.isString()) {
      return null;
    }
    JsonNode search = url.get("search");
    if (search == null || !search.isString() || search.stringValue().isEmpty()) {
      return path.stringValue();
    }
    String q = search.stringValue();
    return path.stringValue() + (q.startsWith("?") ? q : "?" + q);
  }
}
