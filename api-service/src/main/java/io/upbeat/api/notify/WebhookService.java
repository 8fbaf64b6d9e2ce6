package io.upbeat.api.notify;

import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.notify.WebhooksController.CreatedWebhook;
import io.upbeat.api.notify.WebhooksController.Delivery;
import io.upbeat.api.notify.WebhooksController.Webhook;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An app's webhooks and their delivery log, for the API and the settings page alike. Callers have
 * resolved the app through {@code AccessControl}; a webhook of another app is not found.
 */
@Service
class WebhookService {
  private final JdbcClient jdbc;
  private final SigningKey signingKey;
  private final WebhookProperties properties;
  private final TransactionTemplate tx;
  private final AuditLog audit;

  WebhookService(
      JdbcClient jdbc,
      SigningKey signingKey,
      WebhookProperties properties,
      TransactionTemplate tx,
      AuditLog audit) {
    this.tx = tx;
    this.audit = audit;
    this.jdbc = jdbc;
    this.signingKey = signingKey;
    this.properties = properties;
  }

  List<Webhook> list(UUID app) {
    return jdbc.sql(
            "SELECT id, url, events, created_at FROM webhooks WHERE app_id = :app AND"
                + " deleted_at IS NULL ORDER BY created_at, id")
        .param("app", app)
        .query(
            (rs, n) ->
                new Webhook(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    List.of((String[]) rs.getArray(3).getArray()),
                    rs.getTimestamp(4).toInstant()))
        .list();
  }

  /**
   * Creates a webhook for a validated request; its signing secret is in the result only.
   *
   * @throws ApiException 400 naming {@code url} when the target is not allowed
   */
  CreatedWebhook create(
      AppAccess target, String url, List<String> requestedEvents, CurrentUser actor) {
    Optional<String> refused =
        TargetGuard.refuse(url, properties.allowPrivateTargets(), TargetGuard.DNS);
    if (refused.isPresent()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The webhook URL is not allowed.",
          List.of(new ErrorBody.Detail("url", refused.get())));
    }
    List<String> events = requestedEvents.stream().distinct().toList();
    UUID id = UUID.randomUUID();
    // The target was checked (DNS included) before the transaction holds a connection.
    Instant created = tx.execute(status -> insert(target, id, url, events, actor));
    return new CreatedWebhook(id, url, events, created, Signing.secretFor(signingKey.get(), id));
  }

  private Instant insert(
      AppAccess target, UUID id, String url, List<String> events, CurrentUser actor) {
    UUID app = target.id();
    Instant created =
        jdbc.sql(
                "INSERT INTO webhooks (id, app_id, url, events) VALUES (:id, :app, :url, :events)"
                    + " RETURNING created_at")
            .param("id", id)
            .param("app", app)
            .param("url", url)
            .param("events", events.toArray(String[]::new))
            .query((rs, n) -> rs.getTimestamp(1).toInstant())
            .single();
    audit.org(actor, target.orgId(), AuditAction.WEBHOOK_CREATED, target.name() + ": " + url);
    return created;
  }

  /** Deletes a live webhook of the app; deliveries not yet made to it are dropped. */
  @Transactional
  void delete(AppAccess target, String webhookId, CurrentUser actor) {
    UUID id = webhook(target.id(), webhookId);
    String url =
        jdbc.sql("UPDATE webhooks SET deleted_at = now() WHERE id = :id RETURNING url")
            .param("id", id)
            .query(String.class)
            .single();
    audit.org(actor, target.orgId(), AuditAction.WEBHOOK_DELETED, target.name() + ": " + url);
    jdbc.sql(
            "UPDATE notification_deliveries SET status = 'failed', last_error = 'webhook deleted'"
                + " WHERE webhook_id = :id AND status = 'pending'")
        .param("id", id)
        .update();
  }

  /** A live webhook's delivery log, newest first (at most 100). */
  List<Delivery> deliveries(UUID app, String webhookId) {
    return deliveries(webhook(app, webhookId));
  }

  /** The delivery log of a webhook that {@link #list} returned for the caller's app. */
  List<Delivery> deliveries(UUID webhook) {
    return jdbc.sql(
            """
            SELECT d.notification_id, n.kind, d.status, d.attempts, d.last_status,
              d.last_error, d.created_at, d.delivered_at, d.next_attempt_at
            FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.webhook_id = :id ORDER BY d.created_at DESC LIMIT 100
            """)
        .param("id", webhook)
        .query(
            (rs, n) ->
                new Delivery(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getInt(4),
                    (Integer) rs.getObject(5),
                    rs.getString(6),
                    rs.getTimestamp(7).toInstant(),
                    rs.getTimestamp(8) == null ? null : rs.getTimestamp(8).toInstant(),
                    "pending".equals(rs.getString(3)) ? rs.getTimestamp(9).toInstant() : null))
        .list();
  }

  /** A live webhook of this app; anything else is 404, like a foreign app. */
  private UUID webhook(UUID app, String webhookId) {
    UUID id;
    try {
      id = UUID.fromString(webhookId);
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("The webhook");
    }
    return jdbc.sql(
            "SELECT id FROM webhooks WHERE id = :id AND app_id = :app AND deleted_at IS NULL")
        .param("id", id)
        .param("app", app)
        .query(UUID.class)
        .optional()
        .orElseThrow(() -> ApiException.notFound("The webhook"));
  }
}
