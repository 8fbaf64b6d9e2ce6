package io.upbeat.api.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Posts one notification to one webhook: the JSON body signed with the webhook's own secret, the
 * target checked again against private addresses at each attempt, no redirects followed.
 */
@Component
class WebhookSender {
  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final WebhookProperties webhooks;
  private final SigningKey signingKey;
  private final HttpClient http;

  WebhookSender(
      JdbcClient jdbc, JsonMapper json, WebhookProperties webhooks, SigningKey signingKey) {
    this.jdbc = jdbc;
    this.json = json;
    this.webhooks = webhooks;
    this.signingKey = signingKey;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(webhooks.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  Outcome send(UUID hook, Message m) {
    Optional<String> url =
        jdbc.sql("SELECT url FROM webhooks WHERE id = :id AND deleted_at IS NULL")
            .param("id", hook)
            .query(String.class)
            .optional();
    if (url.isEmpty()) {
      return Outcome.failed(null, "webhook deleted");
    }
    // Checked again at each delivery: DNS may point somewhere else by now.
    Optional<String> refused =
        TargetGuard.refuse(url.get(), webhooks.allowPrivateTargets(), TargetGuard.DNS);
    if (refused.isPresent()) {
      return Outcome.failed(null, "URL " + refused.get());
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
        return Outcome.sent(r.statusCode());
      }
      return Outcome.failed(r.statusCode(), "HTTP " + r.statusCode());
    } catch (java.io.IOException e) {
      return Outcome.failed(null, e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.failed(null, "interrupted");
    }
  }
}
