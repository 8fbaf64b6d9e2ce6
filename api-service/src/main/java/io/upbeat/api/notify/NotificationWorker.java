package io.upbeat.api.notify;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.mail.MailNotSent;
import io.upbeat.api.mail.Mailer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers the notification outbox. Dispatch fans each new notification out into deliveries (an
 * e-mail to the assignee, or to the org's owners when nobody is assigned, at most one per group and
 * recipient per interval; one per subscribed webhook) in one transaction. Delivery claims due
 * deliveries with a lease, sends them, and records the outcome: success, or a retry with
 * exponential backoff until the attempts run out. A worker that dies mid-send leaves its lease to
 * expire, so each delivery happens at least once; receivers deduplicate by the notification id
 * ({@code X-Upbeat-Delivery}). Several api-service instances share the work ({@code SKIP LOCKED}).
 */
@Component
class NotificationWorker {
  private static final Logger log = LoggerFactory.getLogger(NotificationWorker.class);
  private static final int BATCH = 20;

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final JsonMapper json;
  private final Mailer mail;
  private final NotifyProperties properties;
  private final WebhookProperties webhooks;
  private final SigningKey signingKey;
  private final MeterRegistry meters;
  private final HttpClient http;

  NotificationWorker(
      JdbcClient jdbc,
      TransactionTemplate tx,
      JsonMapper json,
      Mailer mail,
      NotifyProperties properties,
      WebhookProperties webhooks,
      SigningKey signingKey,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.json = json;
    this.mail = mail;
    this.properties = properties;
    this.webhooks = webhooks;
    this.signingKey = signingKey;
    this.meters = meters;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(webhooks.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  private record Pending(UUID id, UUID app, UUID group, String kind, JsonNode payload) {}

  @Scheduled(fixedDelayString = "${upbeat.notifications.poll-interval:1s}")
  void run() {
    try {
      while (dispatch() == BATCH) {
        // drain the backlog
      }
      while (deliver() == BATCH) {
        // drain what is due
      }
    } catch (RuntimeException e) {
      log.warn("Notification worker pass failed ({}); next pass retries", e.toString());
    }
  }

  /** Fans undispatched notifications out into deliveries; returns how many it took. */
  int dispatch() {
    Integer taken =
        tx.execute(
            status -> {
              List<Pending> batch =
                  jdbc.sql(
                          """
                          SELECT id, app_id, group_id, kind, payload::text FROM notifications
                          WHERE dispatched_at IS NULL ORDER BY created_at LIMIT :n
                          FOR UPDATE SKIP LOCKED
                          """)
                      .param("n", BATCH)
                      .query(
                          (rs, i) ->
                              new Pending(
                                  rs.getObject(1, UUID.class),
                                  rs.getObject(2, UUID.class),
                                  rs.getObject(3, UUID.class),
                                  rs.getString(4),
                                  json.readTree(rs.getString(5))))
                      .list();
              for (Pending p : batch) {
                fanOut(p);
                jdbc.sql("UPDATE notifications SET dispatched_at = now() WHERE id = :id")
                    .param("id", p.id())
                    .update();
              }
              return batch.size();
            });
    return taken == null ? 0 : taken;
  }

  private void fanOut(Pending p) {
    if (mail.configured()) {
      for (String to : recipients(p)) {
        String channel = "email:" + to;
        boolean recent =
            p.group() != null
                && jdbc.sql(
                        """
                        SELECT EXISTS (SELECT 1 FROM notification_deliveries d
                          JOIN notifications n ON n.id = d.notification_id
                          WHERE n.group_id = :group AND d.channel = :channel
                            AND d.status IN ('pending', 'delivered')
                            AND d.created_at > now() - make_interval(secs => :secs))
                        """)
                    .param("group", p.group())
                    .param("channel", channel)
                    .param("secs", (double) properties.emailInterval().toSeconds())
                    .query(Boolean.class)
                    .single();
        insertDelivery(p.id(), channel, null, recent ? "suppressed" : "pending");
        if (recent) {
          meters.counter("upbeat.notifications.suppressed", "channel", "email").increment();
        }
      }
    }
    List<UUID> hooks =
        jdbc.sql(
                "SELECT id FROM webhooks WHERE app_id = :app AND deleted_at IS NULL"
                    + " AND :kind = ANY (events)")
            .param("app", p.app())
            .param("kind", p.kind())
            .query(UUID.class)
            .list();
    for (UUID hook : hooks) {
      insertDelivery(p.id(), "webhook:" + hook, hook, "pending");
    }
  }

  /** The assignee; without one (new groups, regressions) the org's owners. */
  private Set<String> recipients(Pending p) {
    Set<String> to = new LinkedHashSet<>();
    String assignee = text(p.payload(), "assignee_email");
    if (assignee != null) {
      to.add(assignee);
    } else if (!p.kind().equals("assigned")) {
      to.addAll(
          jdbc.sql(
                  """
                  SELECT u.email FROM apps a
                  JOIN memberships m ON m.org_id = a.org_id AND m.role = 'owner'
                  JOIN users u ON u.id = m.user_id
                  WHERE a.id = :app ORDER BY u.email
                  """)
              .param("app", p.app())
              .query(String.class)
              .list());
    }
    return to;
  }

  private void insertDelivery(UUID notification, String channel, UUID webhook, String status) {
    jdbc.sql(
            """
            INSERT INTO notification_deliveries (notification_id, channel, webhook_id, status)
            VALUES (:n, :c, :w, :s) ON CONFLICT DO NOTHING
            """)
        .param("n", notification)
        .param("c", channel)
        .param("w", webhook)
        .param("s", status)
        .update();
  }

  private record Claimed(UUID notification, String channel, UUID webhook, int attempts) {}

  /** Sends the due deliveries; returns how many it claimed. */
  int deliver() {
    List<Claimed> claimed =
        jdbc.sql(
                """
                UPDATE notification_deliveries d
                SET next_attempt_at = now() + make_interval(secs => :lease),
                    attempts = d.attempts + 1
                WHERE (d.notification_id, d.channel) IN (
                  SELECT notification_id, channel FROM notification_deliveries
                  WHERE status = 'pending' AND next_attempt_at <= now()
                  ORDER BY next_attempt_at LIMIT :n FOR UPDATE SKIP LOCKED)
                RETURNING d.notification_id, d.channel, d.webhook_id, d.attempts
                """)
            .param("lease", (double) properties.lease().toSeconds())
            .param("n", BATCH)
            .query(
                (rs, i) ->
                    new Claimed(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getObject(3, UUID.class),
                        rs.getInt(4)))
            .list();
    for (Claimed c : claimed) {
      Outcome outcome;
      try {
        outcome = send(c);
      } catch (RuntimeException e) {
        outcome = new Outcome(false, null, e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      record(c, outcome);
    }
    return claimed.size();
  }

  private record Outcome(boolean ok, Integer status, String error) {}

  private Outcome send(Claimed c) {
    Message m = message(c.notification());
    if (m == null) {
      return new Outcome(false, null, "notification is gone");
    }
    if (c.channel().startsWith("email:")) {
      return email(c.channel().substring("email:".length()), m);
    }
    return webhook(c.webhook(), m);
  }

  private Outcome email(String to, Message m) {
    if (!mail.configured()) {
      return new Outcome(
          false, null, "no mail transport configured (spring.mail.host or upbeat.mail.drop-dir)");
    }
    try {
      mail.send(
          new Mailer.Message(
              properties.emailFrom(),
              to,
              m.subject(),
              m.text() + "\n\n" + m.link() + "\n",
              Map.of("X-Upbeat-Delivery", m.id().toString())));
      return new Outcome(true, null, null);
    } catch (MailNotSent e) {
      return new Outcome(false, null, e.getMessage());
    }
  }

  private Outcome webhook(UUID hook, Message m) {
    Optional<String> url =
        jdbc.sql("SELECT url FROM webhooks WHERE id = :id AND deleted_at IS NULL")
            .param("id", hook)
            .query(String.class)
            .optional();
    if (url.isEmpty()) {
      return new Outcome(false, null, "webhook deleted");
    }
    // Checked again at each delivery: DNS may point somewhere else by now.
    Optional<String> refused =
        TargetGuard.refuse(url.get(), webhooks.allowPrivateTargets(), TargetGuard.DNS);
    if (refused.isPresent()) {
      return new Outcome(false, null, "URL " + refused.get());
    }
    byte[] body = json.writeValueAsBytes(m.webhookBody());
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url.get()))
            .timeout(webhooks.timeout())
            .header("Content-Type", "application/json")
            .header("User-Agent", "Upbeat-Webhooks/1")
            .header("X-Upbeat-Event", m.kind())
            .header("X-Upbeat-Delivery", m.id().toString())
            .header(
                "X-Upbeat-Signature",
                Signing.signature(Signing.secretFor(signingKey.get(), hook), body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() / 100 == 2) {
        return new Outcome(true, r.statusCode(), null);
      }
      return new Outcome(false, r.statusCode(), "HTTP " + r.statusCode());
    } catch (java.io.IOException e) {
      return new Outcome(false, null, e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(false, null, "interrupted");
    }
  }

  private void record(Claimed c, Outcome o) {
    String channel = c.channel().startsWith("email:") ? "email" : "webhook";
    if (o.ok()) {
      jdbc.sql(
              """
              UPDATE notification_deliveries SET status = 'delivered', delivered_at = now(),
                last_status = :st, last_error = NULL
              WHERE notification_id = :n AND channel = :c
              """)
          .param("st", o.status())
          .param("n", c.notification())
          .param("c", c.channel())
          .update();
      meters.counter("upbeat.notifications.delivered", "channel", channel).increment();
      return;
    }
    boolean last = c.attempts() >= properties.maxAttempts();
    long backoff =
        Math.min(
            Duration.ofHours(1).toMillis(),
            properties.retryBackoff().toMillis() << Math.min(20, c.attempts() - 1));
    jdbc.sql(
            """
            UPDATE notification_deliveries SET status = :status, last_status = :st,
              last_error = :err, next_attempt_at = now() + make_interval(secs => :wait)
            WHERE notification_id = :n AND channel = :c
            """)
        .param("status", last ? "failed" : "pending")
        .param("st", o.status())
        .param("err", o.error() == null ? null : truncate(o.error()))
        .param("wait", backoff / 1000.0)
        .param("n", c.notification())
        .param("c", c.channel())
        .update();
    meters
        .counter("upbeat.notifications." + (last ? "failed" : "retried"), "channel", channel)
        .increment();
  }

  private static String truncate(String s) {
    return s.length() > 500 ? s.substring(0, 500) : s;
  }

  /** What a notification says, in e-mail and webhook form. */
  record Message(
      UUID id,
      String kind,
      String subject,
      String text,
      String link,
      Map<String, Object> webhookBody) {}

  private Message message(UUID notification) {
    return jdbc.sql(
            """
            SELECT n.kind, n.payload::text, n.app_id, a.name, n.group_id FROM notifications n
            LEFT JOIN apps a ON a.id = n.app_id WHERE n.id = :id
            """)
        .param("id", notification)
        .query(
            (rs, i) ->
                message(
                    notification,
                    rs.getString(1),
                    json.readTree(rs.getString(2)),
                    rs.getObject(3, UUID.class),
                    rs.getString(4),
                    rs.getObject(5, UUID.class)))
        .optional()
        .orElse(null);
  }

  private Message message(UUID id, String kind, JsonNode p, UUID app, String appName, UUID group) {
    String type = text(p, "type");
    String message = text(p, "message");
    String assignee = text(p, "assignee_email");
    String reason = text(p, "reason");
    String what = type + (message == null ? "" : ": " + message);
    String headline =
        switch (kind) {
          case "regression" -> "Regression in " + appName + ": " + what;
          case "assigned" -> "Assigned to " + assignee + " in " + appName + ": " + what;
          default -> "New error in " + appName + ": " + what;
        };
    String link =
        properties.publicUrl().replaceAll("/+$", "") + "/apps/" + app + "/errors/" + group;
    List<String> lines = new ArrayList<>();
    lines.add(headline);
    if (text(p, "culprit") != null) {
      lines.add("Where: " + text(p, "culprit"));
    }
    if (text(p, "release") != null) {
      lines.add(
          "Release: "
              + text(p, "release")
              + (text(p, "environment") == null ? "" : " (" + text(p, "environment") + ")"));
    }
    if (assignee != null) {
      lines.add("Assigned to " + assignee + (reason == null ? "" : ": " + reason));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id.toString());
    body.put("event", kind);
    body.put("app", Map.of("id", app.toString(), "name", String.valueOf(appName)));
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("id", group == null ? null : group.toString());
    g.put("type", type);
    g.put("message", message);
    g.put("culprit", text(p, "culprit"));
    g.put("url", link);
    body.put("group", g);
    body.put("release", text(p, "release"));
    body.put("environment", text(p, "environment"));
    if (assignee == null) {
      body.put("assignee", null);
    } else {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("email", assignee);
      a.put("reason", reason);
      body.put("assignee", a);
    }
    // Slack (and Mattermost, Teams' incoming webhooks) show "text" as the message.
    body.put("text", String.join("\n", lines) + "\n<" + link + ">");
    return new Message(id, kind, "[Upbeat] " + headline, String.join("\n", lines), link, body);
  }

  private static String text(JsonNode p, String field) {
    JsonNode n = p.get(field);
    return n == null || n.isNull() ? null : n.asString();
  }
}
