package io.upbeat.api.notify;

import io.upbeat.storage.notify.AlertPayload;
import io.upbeat.storage.notify.NotificationOutbox.Stored;
import io.upbeat.storage.notify.NotificationPayload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Renders a stored notification as an e-mail and a webhook body. Every text in it came from a
 * tenant's events (exception type and message, culprit, release, e-mail addresses), so the
 * webhook's Slack-readable {@code text} escapes what Slack would read as markup: {@code <!channel>}
 * would page a whole channel and {@code <https://evil|Reset your password>} would disguise a link.
 */
final class Messages {
  private Messages() {}

  static Message render(Stored n, String appName, String publicUrl) {
    if (n.alert() != null) {
      return alert(n, n.alert(), appName, publicUrl);
    }
    NotificationPayload p = n.payload();
    UUID app = n.appId();
    String kind = n.kind().code();
    String link = publicUrl.replaceAll("/+$", "") + "/apps/" + app + "/errors/" + p.groupId();
    List<String> plain = lines(kind, p, appName, UnaryOperator.identity());
    List<String> slack = lines(kind, p, appName, Messages::slackEscape);

    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", n.id().toString());
    body.put("event", kind);
    body.put("app", Map.of("id", app.toString(), "name", String.valueOf(appName)));
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("id", p.groupId() == null ? null : p.groupId().toString());
    g.put("type", p.type());
    g.put("message", p.message());
    g.put("culprit", p.culprit());
    g.put("url", link);
    body.put("group", g);
    body.put("release", p.release());
    body.put("environment", p.environment());
    if (p.assigneeEmail() == null) {
      body.put("assignee", null);
    } else {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("email", p.assigneeEmail());
      a.put("reason", p.reason());
      body.put("assignee", a);
    }
    // Slack (and Mattermost, Teams' incoming webhooks) show "text" as the message; the link is
    // ours, the only markup left unescaped.
    body.put("text", String.join("\n", slack) + "\n<" + link + ">");
    return new Message(
        n.id(), kind, "[Upbeat] " + plain.getFirst(), String.join("\n", plain), link, body);
  }

  private static List<String> lines(
      String kind, NotificationPayload p, String appName, UnaryOperator<String> esc) {
    String what = esc.apply(p.type()) + (p.message() == null ? "" : ": " + esc.apply(p.message()));
    String app = esc.apply(String.valueOf(appName));
    String assignee = esc.apply(p.assigneeEmail());
    String headline =
        switch (kind) {
          case "regression" -> "Regression in " + app + ": " + what;
          case "assigned" -> "Assigned to " + assignee + " in " + app + ": " + what;
          default -> "New error in " + app + ": " + what;
        };
    List<String> lines = new ArrayList<>();
    lines.add(headline);
    if (p.culprit() != null) {
      lines.add("Where: " + esc.apply(p.culprit()));
    }
    if (p.release() != null) {
      lines.add(
          "Release: "
              + esc.apply(p.release())
              + (p.environment() == null ? "" : " (" + esc.apply(p.environment()) + ")"));
    }
    if (p.assigneeEmail() != null) {
      lines.add(
          "Assigned to " + assignee + (p.reason() == null ? "" : ": " + esc.apply(p.reason())));
    }
    return lines;
  }

  /**
   * An alert rule's firing or resolve: the same fields as the rule's events in the API ({@code
   * state}, {@code at}, {@code value}, {@code release}, ...), plus the rule and the app.
   */
  private static Message alert(Stored n, AlertPayload a, String appName, String publicUrl) {
    String base = publicUrl.replaceAll("/+$", "");
    String link = base + "/apps/" + n.appId() + "/alerts";
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", n.id().toString());
    body.put("event", "alert");
    body.put("app", Map.of("id", n.appId().toString(), "name", String.valueOf(appName)));
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("id", a.ruleId().toString());
    rule.put("name", a.ruleName());
    rule.put("kind", a.kind());
    rule.put("condition", a.condition());
    body.put("rule", rule);
    body.put("state", a.state());
    body.put("at", a.at().toString());
    body.put("value", a.value());
    body.put("environment", a.environment());
    body.put("release", a.release());
    body.put("group_id", a.groupId() == null ? null : a.groupId().toString());
    body.put("suspect_commit", a.suspectSha());
    body.put("assignee", a.assigneeEmail());
    body.put("url", link);
    List<String> plain = alertLines(a, appName, UnaryOperator.identity());
    List<String> slack = alertLines(a, appName, Messages::slackEscape);
    body.put("text", String.join("\n", slack) + "\n<" + link + ">");
    return new Message(
        n.id(), "alert", "[Upbeat] " + plain.getFirst(), String.join("\n", plain), link, body);
  }

  private static List<String> alertLines(
      AlertPayload a, String appName, UnaryOperator<String> esc) {
    boolean firing = "firing".equals(a.state());
    List<String> lines = new ArrayList<>();
    lines.add(
        (firing ? "FIRING: " : "RESOLVED: ")
            + esc.apply(a.ruleName())
            + " in "
            + esc.apply(String.valueOf(appName)));
    lines.add(
        (firing ? "Condition: " : "No longer: ")
            + esc.apply(a.condition())
            + (a.environment() == null ? "" : " (" + esc.apply(a.environment()) + ")"));
    if (a.value() != null) {
      lines.add("Value: " + formatValue(a.value()) + " at " + a.at());
    } else {
      lines.add("At: " + a.at());
    }
    if (a.release() != null) {
      lines.add("Release: " + esc.apply(a.release()));
    }
    if (a.groupId() != null) {
      lines.add("Error group: " + a.groupId());
    }
    if (a.suspectSha() != null) {
      lines.add("Suspect commit: " + esc.apply(a.suspectSha()));
    }
    if (a.assigneeEmail() != null) {
      lines.add("Assigned to " + esc.apply(a.assigneeEmail()));
    }
    return lines;
  }

  private static String formatValue(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(java.util.Locale.ROOT, "%.2f", v);
  }

  /**
   * Escapes text for Slack's mrkdwn as Slack documents it: {@code &}, {@code <} and {@code >}
   * become entities, so nothing a tenant wrote can form a mention, a channel ping or a link.
   */
  static String slackEscape(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        default -> out.append(ch);
      }
    }
    return out.toString();
  }
}
