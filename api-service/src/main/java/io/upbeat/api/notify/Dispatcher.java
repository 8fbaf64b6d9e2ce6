package io.upbeat.api.notify;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.storage.notify.NotificationKind;
import io.upbeat.storage.notify.NotificationOutbox;
import io.upbeat.storage.notify.NotificationOutbox.Stored;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fans each new notification out into deliveries, in one transaction with marking it dispatched: an
 * e-mail to the assignee, or to the org's owners when nobody is assigned (at most one per group and
 * recipient per interval), and one per subscribed webhook. E-mail goes only to members of the app's
 * org whose address is verified: an assignee outside it (an ownership rule's or a commit author's
 * address) is shown on the error, never mailed, and an address someone signed up with but never
 * proved is not mailed either, so nobody can make Upbeat write to a stranger.
 */
@Component
class Dispatcher {
  static final int BATCH = 20;

  /** The recipient's own settings: the kind wanted (no settings: every kind), the app not muted. */
  private static final String WANTS =
      """
       AND NOT EXISTS (SELECT 1 FROM notification_settings s
         WHERE s.user_id = u.id AND NOT (:kind = ANY (s.kinds)))
       AND NOT EXISTS (SELECT 1 FROM notification_app_mutes x
         WHERE x.user_id = u.id AND x.app_id = a.id)
      """;

  private final JdbcClient jdbc;
  private final JdbcTemplate template;
  private final TransactionTemplate tx;
  private final EmailSender email;
  private final NotifyProperties properties;
  private final MeterRegistry meters;

  Dispatcher(
      JdbcClient jdbc,
      JdbcTemplate template,
      TransactionTemplate tx,
      EmailSender email,
      NotifyProperties properties,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.template = template;
    this.tx = tx;
    this.email = email;
    this.properties = properties;
    this.meters = meters;
  }

  /** Fans undispatched notifications out into deliveries; returns how many it took. */
  int dispatch() {
    Integer taken =
        tx.execute(
            status ->
                template.execute(
                    (ConnectionCallback<Integer>)
                        c -> {
                          List<Stored> batch = NotificationOutbox.claimUndispatched(c, BATCH);
                          for (Stored n : batch) {
                            fanOut(n);
                            NotificationOutbox.markDispatched(c, n.id());
                          }
                          return batch.size();
                        }));
    return taken == null ? 0 : taken;
  }

  private void fanOut(Stored n) {
    if (appDeleted(n.appId())) {
      // Written by a processor that had not yet learnt of the deletion: nobody is told, and the
      // purge's final sweep deletes it.
      return;
    }
    if (n.kind() == NotificationKind.ALERT) {
      fanOutAlert(n);
      return;
    }
    if (email.configured()) {
      for (String to : recipients(n)) {
        String channel = "email:" + to;
        boolean recent =
            n.payload().groupId() != null
                && jdbc.sql(
                        """
                        SELECT EXISTS (SELECT 1 FROM notification_deliveries d
                          JOIN notifications n ON n.id = d.notification_id
                          WHERE n.group_id = :group AND d.channel = :channel
                            AND d.status IN ('pending', 'delivered')
                            AND d.created_at > now() - make_interval(secs => :secs))
                        """)
                    .param("group", n.payload().groupId())
                    .param("channel", channel)
                    .param("secs", (double) properties.emailInterval().toSeconds())
                    .query(Boolean.class)
                    .single();
        insertDelivery(n.id(), channel, null, recent ? "suppressed" : "pending");
        if (recent) {
          meters.counter("upbeat.notifications.suppressed", "channel", "email").increment();
        }
      }
    }
    List<UUID> hooks =
        jdbc.sql(
                "SELECT id FROM webhooks WHERE app_id = :app AND deleted_at IS NULL"
                    + " AND :kind = ANY (events)")
            .param("app", n.appId())
            .param("kind", n.kind().code())
            .query(UUID.class)
            .list();
    for (UUID hook : hooks) {
      insertDelivery(n.id(), "webhook:" + hook, hook, "pending");
    }
  }

  /**
   * An alert goes to its rule's actions: the addresses it names that are verified members of the
   * app's org (and have not muted the app), and its webhooks that still exist in the app. A rule
   * gone meanwhile (deleted after it fired) notifies nobody.
   */
  private void fanOutAlert(Stored n) {
    UUID rule = n.alert().ruleId();
    if (email.configured()) {
      List<String> to =
          jdbc.sql(
                  """
                  SELECT u.email FROM alert_rules r
                  JOIN apps a ON a.id = r.app_id
                  JOIN memberships m ON m.org_id = a.org_id
                  JOIN users u ON u.id = m.user_id
                  WHERE r.id = :rule AND lower(u.email) IN (SELECT lower(x) FROM unnest(r.email_to) x)
                    AND u.email_verified_at IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM notification_app_mutes x
                      WHERE x.user_id = u.id AND x.app_id = a.id)
                  ORDER BY u.email
                  """)
              .param("rule", rule)
              .query(String.class)
              .list();
      for (String address : to) {
        insertDelivery(n.id(), "email:" + address, null, "pending");
      }
    }
    List<UUID> hooks =
        jdbc.sql(
                """
                SELECT w.id FROM alert_rules r JOIN webhooks w ON w.id = ANY (r.webhook_ids)
                WHERE r.id = :rule AND w.app_id = r.app_id AND w.deleted_at IS NULL
                ORDER BY w.id
                """)
            .param("rule", rule)
            .query(UUID.class)
            .list();
    for (UUID hook : hooks) {
      insertDelivery(n.id(), "webhook:" + hook, hook, "pending");
    }
  }

  private boolean appDeleted(UUID app) {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM deleted_apps WHERE app_id = :app)")
        .param("app", app)
        .query(Boolean.class)
        .single();
  }

  /**
   * The assignee if they are a member of the app's org; without an assignee (new groups,
   * regressions) the org's owners. An assignee outside the org is counted and skipped.
   */
  private Set<String> recipients(Stored n) {
    Set<String> to = new LinkedHashSet<>();
    String assignee = n.payload().assigneeEmail();
    if (assignee != null) {
      record Member(String email, boolean verified, boolean wants) {}
      List<Member> member =
          jdbc.sql(
                  """
                  SELECT u.email, u.email_verified_at IS NOT NULL, EXISTS (SELECT 1 WHERE true
                  """
                      + WANTS
                      + """
                  ) FROM apps a
                  JOIN memberships m ON m.org_id = a.org_id
                  JOIN users u ON u.id = m.user_id
                  WHERE a.id = :app AND lower(u.email) = lower(:assignee)
                  """)
              .param("app", n.appId())
              .param("assignee", assignee)
              .param("kind", n.kind().code())
              .query((rs, i) -> new Member(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3)))
              .list();
      if (member.isEmpty()) {
        meters.counter("upbeat.notifications.not_mailed", "reason", "not_a_member").increment();
      }
      for (Member m : member) {
        if (!m.verified()) {
          meters.counter("upbeat.notifications.not_mailed", "reason", "unverified").increment();
        } else if (m.wants()) {
          to.add(m.email());
        } else {
          meters.counter("upbeat.notifications.not_mailed", "reason", "opted_out").increment();
        }
      }
    } else if (n.kind() != NotificationKind.ASSIGNED) {
      to.addAll(
          jdbc.sql(
                  """
                  SELECT u.email FROM apps a
                  JOIN memberships m ON m.org_id = a.org_id AND m.role = 'owner'
                  JOIN users u ON u.id = m.user_id
                  WHERE a.id = :app AND u.email_verified_at IS NOT NULL
                  """
                      + WANTS
                      + " ORDER BY u.email")
              .param("app", n.appId())
              .param("kind", n.kind().code())
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
}
