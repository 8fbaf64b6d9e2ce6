package io.upbeat.api.notify;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.storage.notify.NotificationOutbox;
import io.upbeat.storage.notify.NotificationOutbox.Stored;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Delivers the notification outbox: each pass lets the {@link Dispatcher} plan deliveries for new
 * notifications, then claims due deliveries with a lease, sends them ({@link EmailSender}, {@link
 * WebhookSender}, the text from {@link Messages}), and records the outcome: success, or a retry
 * with exponential backoff until the attempts run out. A worker that dies mid-send leaves its lease
 * to expire, so each delivery happens at least once; receivers deduplicate by the notification id
 * ({@code X-Upbeat-Delivery}). Several api-service instances share the work ({@code SKIP LOCKED}).
 */
@Component
class NotificationWorker {
  private static final Logger log = LoggerFactory.getLogger(NotificationWorker.class);
  private static final int BATCH = 20;

  private final JdbcClient jdbc;
  private final JdbcTemplate template;
  private final Dispatcher dispatcher;
  private final EmailSender email;
  private final WebhookSender webhook;
  private final NotifyProperties properties;
  private final MeterRegistry meters;

  NotificationWorker(
      JdbcClient jdbc,
      JdbcTemplate template,
      Dispatcher dispatcher,
      EmailSender email,
      WebhookSender webhook,
      NotifyProperties properties,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.template = template;
    this.dispatcher = dispatcher;
    this.email = email;
    this.webhook = webhook;
    this.properties = properties;
    this.meters = meters;
  }

  @Scheduled(fixedDelayString = "${upbeat.notifications.poll-interval:1s}")
  void run() {
    try {
      while (dispatcher.dispatch() == Dispatcher.BATCH) {
        // drain the backlog
      }
      while (deliver() == BATCH) {
        // drain what is due
      }
    } catch (RuntimeException e) {
      log.warn("Notification worker pass failed ({}); next pass retries", e.toString());
    }
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
        outcome = Outcome.failed(null, e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      record(c, outcome);
    }
    return claimed.size();
  }

  private Outcome send(Claimed c) {
    Message m = message(c.notification());
    if (m == null) {
      return Outcome.failed(null, "notification is gone");
    }
    if (c.channel().startsWith("email:")) {
      return email.send(c.channel().substring("email:".length()), m);
    }
    return webhook.send(c.webhook(), m);
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

  private Message message(UUID notification) {
    Optional<Stored> stored =
        template.execute(
            (ConnectionCallback<Optional<Stored>>) c -> NotificationOutbox.find(c, notification));
    if (stored == null || stored.isEmpty()) {
      return null;
    }
    String appName =
        jdbc.sql("SELECT name FROM apps WHERE id = :id")
            .param("id", stored.get().appId())
            .query(String.class)
            .optional()
            .orElse(null);
    return Messages.render(stored.get(), appName, properties.publicUrl());
  }
}
