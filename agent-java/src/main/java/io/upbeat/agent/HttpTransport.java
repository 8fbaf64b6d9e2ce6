package io.upbeat.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Posts batches to intake's {@code /v1/events} with the JDK's HTTP client. */
final class HttpTransport implements Reporter.Transport {
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI events;
  private final String token;

  HttpTransport(UpbeatConfig config) {
    this.events = URI.create(config.serverUrl + "/v1/events");
    this.token = config.secretToken;
  }

  @Override
  public Answer post(byte[] gzippedJson, String idempotencyKey) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(events)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .header("Authorization", "Bearer " + token)
            .header("User-Agent", "upbeat-java/" + Version.VALUE)
            .header("Idempotency-Key", idempotencyKey)
            .POST(HttpRequest.BodyPublishers.ofByteArray(gzippedJson))
            .build();
    try {
      HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
      long retryAfter =
          r.headers()
              .firstValue("Retry-After")
              .map(
                  v -> {
                    try {
                      return Long.parseLong(v.trim());
                    } catch (NumberFormatException e) {
                      return -1L;
                    }
                  })
              .orElse(-1L);
      return new Answer(r.statusCode(), retryAfter);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
