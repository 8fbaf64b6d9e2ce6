package io.upbeat.api.alerts;

import io.upbeat.alerting.Condition;
import io.upbeat.metrics.Statistic;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A validated rule body ({@code POST}, {@code PATCH} merged onto the stored rule, and {@code
 * preview}). Read from the JSON tree so that every field is checked for its JSON type and named in
 * the 400, and so a PATCH can tell an absent field (keep) from a null one (clear).
 *
 * @param environment null for every environment
 * @param emailTo the addresses of the e-mail actions (checked against the org's members later)
 * @param webhookIds the webhook actions' ids (checked against the app's webhooks later)
 */
record RuleBody(
    String name,
    String environment,
    Condition condition,
    List<String> emailTo,
    List<UUID> webhookIds,
    int cooldownMinutes) {
  static final int MAX_NAME = 200;
  static final int MAX_ENVIRONMENT = 100;
  static final int MAX_TRANSACTION = 1024;
  static final int MAX_ACTIONS = 20;
  static final int MAX_ADDRESSES = 50;
  static final int MAX_COOLDOWN = 10_080;
  static final int MAX_MINUTES = 1440;
  static final double MAX_THRESHOLD = 1e12;
  static final long MAX_MIN_REQUESTS = 1_000_000_000L;

  /** A rule body where every field of a full rule is required (except the optional ones). */
  static RuleBody parse(JsonNode body, String defaultName) {
    if (body == null || !body.isObject()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The request body must be a JSON object.",
          List.of(new Detail("$", "must be an object")));
    }
    List<Detail> problems = new ArrayList<>();
    String name = text(body, "name", MAX_NAME, problems, defaultName == null);
    if (name == null && defaultName != null && !body.has("name")) {
      name = defaultName;
    }
    String environment = null;
    JsonNode env = body.get("environment");
    if (env != null && !env.isNull()) {
      environment = text(body, "environment", MAX_ENVIRONMENT, problems, true);
    }
    Condition condition = condition(body.get("condition"), problems);
    List<String> emailTo = new ArrayList<>();
    List<UUID> webhooks = new ArrayList<>();
    actions(body.get("actions"), emailTo, webhooks, problems);
    int cooldown = 0;
    JsonNode c = body.get("cooldown_minutes");
    if (c != null && !c.isNull()) {
      Long n = integer(c, "cooldown_minutes", 0, MAX_COOLDOWN, problems);
      cooldown = n == null ? 0 : n.intValue();
    }
    if (!problems.isEmpty()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          problems.size() == 1
              ? "The field " + problems.getFirst().field() + " is invalid."
              : "Fields of the rule are invalid.",
          problems.subList(
              0, Math.min(problems.size(), io.upbeat.support.web.ErrorBody.MAX_DETAILS)));
    }
    return new RuleBody(name, environment, condition, emailTo, webhooks, cooldown);
  }

  private static Condition condition(JsonNode node, List<Detail> problems) {
    if (node == null || node.isNull()) {
      problems.add(new Detail("condition", "is required"));
      return null;
    }
    if (!node.isObject()) {
      problems.add(new Detail("condition", "must be an object"));
      return null;
    }
    JsonNode kindNode = node.get("kind");
    String kind = kindNode != null && kindNode.isString() ? kindNode.stringValue() : null;
    if (kind == null) {
      problems.add(new Detail("condition.kind", "is required"));
      return null;
    }
    int before = problems.size();
    Condition out =
        switch (kind) {
          case "new_error" -> new Condition.NewError();
          case "regression" -> new Condition.Regression();
          case "error_count" -> {
            Double threshold = threshold(node, "threshold", problems);
            Long window =
                integer(
                    node.get("window_minutes"),
                    "condition.window_minutes",
                    1,
                    MAX_MINUTES,
                    problems);
            UUID group = null;
            JsonNode g = node.get("group_id");
            if (g != null && !g.isNull()) {
              group = uuid(g, "condition.group_id", problems);
            }
            yield problems.size() > before
                ? null
                : new Condition.ErrorCount(threshold, window.intValue(), group);
          }
          case "latency" -> {
            JsonNode s = node.get("statistic");
            Statistic statistic = s != null && s.isString() ? Statistic.of(s.stringValue()) : null;
            if (statistic == null) {
              problems.add(new Detail("condition.statistic", "must be one of avg, p50, p95, p99"));
            }
            Double threshold = threshold(node, "threshold_ms", problems);
            Long forMinutes =
                integer(node.get("for_minutes"), "condition.for_minutes", 1, MAX_MINUTES, problems);
            String transaction = optionalText(node, "transaction", problems);
            yield problems.size() > before
                ? null
                : new Condition.Latency(statistic, threshold, forMinutes.intValue(), transaction);
          }
          case "error_rate" -> {
            Double threshold = threshold(node, "threshold_percent", problems);
            if (threshold != null && threshold > 100) {
              problems.add(new Detail("condition.threshold_percent", "must be at most 100"));
            }
            Long forMinutes =
                integer(node.get("for_minutes"), "condition.for_minutes", 1, MAX_MINUTES, problems);
            Long min = 1L;
            JsonNode m = node.get("min_requests");
            if (m != null && !m.isNull()) {
              min = integer(m, "condition.min_requests", 1, MAX_MIN_REQUESTS, problems);
            }
            yield problems.size() > before
                ? null
                : new Condition.ErrorRate(threshold, forMinutes.intValue(), min);
          }
          case "throughput_below" -> {
            Double rpm = threshold(node, "rpm", problems);
            Long forMinutes =
                integer(node.get("for_minutes"), "condition.for_minutes", 1, MAX_MINUTES, problems);
            String transaction = optionalText(node, "transaction", problems);
            yield problems.size() > before
                ? null
                : new Condition.ThroughputBelow(rpm, forMinutes.intValue(), transaction);
          }
          default -> {
            problems.add(
                new Detail(
                    "condition.kind",
                    "must be one of new_error, regression, error_count, latency, error_rate,"
                        + " throughput_below"));
            yield null;
          }
        };
    return out;
  }

  private static void actions(
      JsonNode node, List<String> emailTo, List<UUID> webhooks, List<Detail> problems) {
    if (node == null || node.isNull()) {
      return;
    }
    if (!node.isArray() || node.size() > MAX_ACTIONS) {
      problems.add(
          new Detail("actions", "must be an array of at most " + MAX_ACTIONS + " actions"));
      return;
    }
    Set<String> to = new LinkedHashSet<>();
    Set<UUID> hooks = new LinkedHashSet<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode a = node.get(i);
      String field = "actions[" + i + "]";
      JsonNode kind = a.isObject() ? a.get("kind") : null;
      String k = kind != null && kind.isString() ? kind.stringValue() : null;
      if ("email".equals(k)) {
        JsonNode list = a.get("to");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_ADDRESSES) {
          problems.add(
              new Detail(
                  field + ".to", "must be an array of 1 to " + MAX_ADDRESSES + " addresses"));
          continue;
        }
        for (int j = 0; j < list.size(); j++) {
          JsonNode e = list.get(j);
          String address = e.isString() ? e.stringValue().strip() : null;
          if (address == null
              || address.length() < 3
              || address.length() > 320
              || address.indexOf('@') < 1
              || !clean(address)) {
            problems.add(new Detail(field + ".to[" + j + "]", "must be an e-mail address"));
          } else {
            to.add(address.toLowerCase(Locale.ROOT));
          }
        }
      } else if ("webhook".equals(k)) {
        JsonNode id = a.get("webhook_id");
        UUID hook = id == null ? null : uuid(id, field + ".webhook_id", problems);
        if (id == null) {
          problems.add(new Detail(field + ".webhook_id", "is required"));
        } else if (hook != null) {
          hooks.add(hook);
        }
      } else {
        problems.add(new Detail(field + ".kind", "must be email or webhook"));
      }
    }
    emailTo.addAll(to);
    webhooks.addAll(hooks);
  }

  private static Double threshold(JsonNode node, String name, List<Detail> problems) {
    JsonNode v = node.get(name);
    String field = "condition." + name;
    if (v == null || v.isNull()) {
      problems.add(new Detail(field, "is required"));
      return null;
    }
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      problems.add(new Detail(field, "must be a number"));
      return null;
    }
    double d = v.doubleValue();
    if (d <= 0 || d > MAX_THRESHOLD) {
      problems.add(new Detail(field, "must be a number > 0 and <= " + (long) MAX_THRESHOLD));
      return null;
    }
    return d;
  }

  private static Long integer(JsonNode v, String field, long min, long max, List<Detail> problems) {
    if (v == null || v.isNull()) {
      problems.add(new Detail(field, "is required"));
      return null;
    }
    if (!v.isIntegralNumber()
        || !v.canConvertToLong()
        || v.longValue() < min
        || v.longValue() > max) {
      problems.add(new Detail(field, "must be an integer from " + min + " to " + max));
      return null;
    }
    return v.longValue();
  }

  private static UUID uuid(JsonNode v, String field, List<Detail> problems) {
    if (v.isString()) {
      try {
        String s = v.stringValue();
        if (s.length() == 36) {
          return UUID.fromString(s);
        }
      } catch (IllegalArgumentException e) {
        // named below
      }
    }
    problems.add(new Detail(field, "must be an id"));
    return null;
  }

  private static String optionalText(JsonNode node, String name, List<Detail> problems) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    String field = "condition." + name;
    if (!v.isString()
        || v.stringValue().isEmpty()
        || v.stringValue().length() > MAX_TRANSACTION
        || !clean(v.stringValue())) {
      problems.add(
          new Detail(
              field, "must be 1 to " + MAX_TRANSACTION + " characters without control characters"));
      return null;
    }
    return v.stringValue();
  }

  private static String text(
      JsonNode body, String name, int max, List<Detail> problems, boolean required) {
    JsonNode v = body.get(name);
    if (v == null || v.isNull()) {
      if (required) {
        problems.add(new Detail(name, "is required"));
      }
      return null;
    }
    if (!v.isString()
        || v.stringValue().isBlank()
        || v.stringValue().codePointCount(0, v.stringValue().length()) > max
        || !clean(v.stringValue())) {
      problems.add(
          new Detail(name, "must be 1 to " + max + " characters without control characters"));
      return null;
    }
    return v.stringValue().strip();
  }

  /**
   * No control character, no unpaired surrogate, and no U+FFFD (what the API's text gate puts in
   * place of a NUL or an unpaired surrogate: such text was not what the caller meant).
   */
  static boolean clean(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
        continue;
      }
      if (Character.isISOControl(c) || c == '\uFFFD' || Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
