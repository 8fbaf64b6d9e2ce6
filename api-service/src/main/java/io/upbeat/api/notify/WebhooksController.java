package io.upbeat.api.notify;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** An app's webhooks and their delivery log. */
@RestController
@RequestMapping(path = "/api/v1/apps/{appId}/webhooks", produces = MediaType.APPLICATION_JSON_VALUE)
class WebhooksController {
  static final List<String> EVENTS = List.of("new_error", "regression", "assigned");

  private final AccessControl access;
  private final JdbcClient jdbc;
  private final SigningKey signingKey;
  private final WebhookProperties properties;

  WebhooksController(
      AccessControl access, JdbcClient jdbc, SigningKey signingKey, WebhookProperties properties) {
    this.access = access;
    this.jdbc = jdbc;
    this.signingKey = signingKey;
    this.properties = properties;
  }

  record CreateWebhook(
      @NotBlank(message = "is required")
          @Size(max = 2048, message = "must be at most 2048 characters")
          String url,
      @NotEmpty(message = "must name at least one of new_error, regression, assigned")
          List<
                  @NotNull(message = "must be a string")
                  @Pattern(
                      regexp = "new_error|regression|assigned",
                      message = "must be one of new_error, regression, assigned")
                  String>
              events) {}

  record Webhook(UUID id, String url, List<String> events, Instant createdAt) {}

  record CreatedWebhook(
      UUID id, String url, List<String> events, Instant createdAt, String secret) {}

  record Webhooks(List<Webhook> items) {}

  record Delivery(
      UUID notificationId,
      String kind,
      String status,
      int attempts,
      Integer lastStatus,
      String lastError,
      Instant createdAt,
      Instant deliveredAt,
      Instant nextAttemptAt) {}

  record Deliveries(List<Delivery> items) {}

  @GetMapping
  Webhooks list(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId) {
    UUID app = access.app(user, appId).id();
    return new Webhooks(
        jdbc.sql(
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
            .list());
  }

  /** Creates a webhook; its signing secret is in this response only. */
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  CreatedWebhook create(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @Valid @RequestBody CreateWebhook request) {
    UUID app = access.app(user, appId).id();
    Optional<String> refused =
        TargetGuard.refuse(request.url(), properties.allowPrivateTargets(), TargetGuard.DNS);
    if (refused.isPresent()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The webhook URL is not allowed.",
          List.of(new ErrorBody.Detail("url", refused.get())));
    }
    List<String> events = request.events().stream().distinct().toList();
    UUID id = UUID.randomUUID();
    Instant created =
        jdbc.sql(
                "INSERT INTO webhooks (id, app_id, url, events) VALUES (:id, :app, :url, :events)"
                    + " RETURNING created_at")
            .param("id", id)
            .param("app", app)
            .param("url", request.url())
            .param("events", events.toArray(String[]::new))
            .query((rs, n) -> rs.getTimestamp(1).toInstant())
            .single();
    return new CreatedWebhook(
        id, request.url(), events, created, Signing.secretFor(signingKey.get(), id));
  }

  @DeleteMapping("/{webhookId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String webhookId) {
    UUID app = access.app(user, appId).id();
    UUID id = webhook(app, webhookId);
    jdbc.sql("UPDATE webhooks SET deleted_at = now() WHERE id = :id").param("id", id).update();
    // Deliveries not yet made to it are dropped from the queue.
    jdbc.sql(
            "UPDATE notification_deliveries SET status = 'failed', last_error = 'webhook deleted'"
                + " WHERE webhook_id = :id AND status = 'pending'")
        .param("id", id)
        .update();
  }

  /** The delivery log, newest first (at most 100). */
  @GetMapping("/{webhookId}/deliveries")
  Deliveries deliveries(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String webhookId) {
    UUID app = access.app(user, appId).id();
    UUID id = webhook(app, webhookId);
    return new Deliveries(
        jdbc.sql(
                """
                SELECT d.notification_id, n.kind, d.status, d.attempts, d.last_status,
                  d.last_error, d.created_at, d.delivered_at, d.next_attempt_at
                FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE d.webhook_id = :id ORDER BY d.created_at DESC LIMIT 100
                """)
            .param("id", id)
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
            .list());
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
