package io.upbeat.api.notify;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.security.CurrentUser;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
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
  private final WebhookService webhooks;

  WebhooksController(AccessControl access, WebhookService webhooks) {
    this.access = access;
    this.webhooks = webhooks;
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
    return new Webhooks(webhooks.list(access.app(user, appId).id()));
  }

  /** Creates a webhook; its signing secret is in this response only. */
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  CreatedWebhook create(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @Valid @RequestBody CreateWebhook request) {
    return webhooks.create(access.appAsOwner(user, appId), request.url(), request.events(), user);
  }

  @DeleteMapping("/{webhookId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String webhookId) {
    webhooks.delete(access.appAsOwner(user, appId), webhookId, user);
  }

  /** The delivery log, newest first (at most 100). */
  @GetMapping("/{webhookId}/deliveries")
  Deliveries deliveries(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String webhookId) {
    return new Deliveries(webhooks.deliveries(access.app(user, appId).id(), webhookId));
  }
}
