package io.upbeat.api.notify;

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
