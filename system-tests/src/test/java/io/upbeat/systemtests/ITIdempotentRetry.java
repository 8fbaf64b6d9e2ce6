package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The double count idempotent intake closes, end to end under {@code ./upbeat dev} (intake, Kafka,
 * processor, PostgreSQL, API): a client posts a keyed batch through a proxy that forwards it to
 * intake but cuts the connection instead of passing on intake's 202, so the client cannot know it
 * was stored, and retries with the same {@code Idempotency-Key} straight to intake. The API counts
 * the batch once; the same batch posted twice without a key counts twice.
 */
class ITIdempotentRetry {
  @TempDir Path dataDir;
  private UpbeatDev dev;

  @AfterEach
  void stop() throws InterruptedException {
    if (dev != null) {
      dev.shutDown();
    }
  }

  @Test
  void aRetryOfABatchWhoseAnswerWasLostIsCountedOnce() throws Exception {
    dev = UpbeatDev.starting(dataDir.resolve("dev"));
    dev.awaitLine("READY ", UpbeatDev.START_TIMEOUT);
    JsonApi api = new JsonApi(dev.apiUrl());
    JsonApi.SignedUp account = api.signUpWithApp("retry@example.com", "Retries", "shop");
    String key = account.apiKey();
    String appId = account.app().path("id").asText();
    String secret = account.app().path("secret_token").asText();
    URI intake = URI.create(dev.intakeUrl());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> status(post(intake, secret, batch("GET /warmup", "WarmupError"), null)) == 202);

    // The first attempt reaches intake, which stores it and answers 202; the client never hears.
    try (AnswerDroppingProxy proxy = new AnswerDroppingProxy(intake)) {
      assertThatThrownBy(
              () -> post(proxy.uri(), secret, batch("GET /retried", "RetriedError"), "batch-0001"))
          .isInstanceOf(IOException.class);
      assertThat(status(proxy.intakeAnswer())).isEqualTo(202);
    }
    // The client retries the same batch, with the same key, elsewhere.
    assertThat(status(post(intake, secret, batch("GET /retried", "RetriedError"), "batch-0001")))
        .isEqualTo(202);
    // The control: the same batch twice without a key is two batches.
    for (int i = 0; i < 2; i++) {
      assertThat(status(post(intake, secret, batch("GET /unkeyed", "UnkeyedError"), null)))
          .isEqualTo(202);
    }

    String transactions = "/api/v1/apps/" + appId + "/transactions";
    String errors = "/api/v1/apps/" + appId + "/errors";
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              assertThat(count(api.get(transactions, key), "name", "GET /unkeyed")).isEqualTo(2);
              assertThat(count(api.get(errors, key), "type", "UnkeyedError")).isEqualTo(2);
            });
    assertThat(count(api.get(transactions, key), "name", "GET /retried")).isEqualTo(1);
    assertThat(count(api.get(errors, key), "type", "RetriedError")).isEqualTo(1);
  }

  private static long count(JsonNode list, String field, String value) {
    return JsonApi.item(list, i -> i.path(field).asText().equals(value)).path("count").asLong();
  }

  /** One transaction and one error, both named after {@code name} and {@code errorType}. */
  private static String batch(String name, String errorType) {
    String t = Instant.now().minusSeconds(30).toString();
    return """
        {"service": {"name": "shop-web", "environment": "production"},
         "transactions": [{"id": "a1b2c3", "trace_id": "0af7651916cd43dd8448eb211c80319c",
           "name": "%s", "type": "request", "timestamp": "%s", "duration_ms": 12.5,
           "result": "HTTP 2xx", "outcome": "success"}],
         "errors": [{"id": "e1", "timestamp": "%s", "transaction_id": "a1b2c3",
           "transaction_name": "%s", "exception": {"type": "%s", "message": "boom",
           "stacktrace": [{"module": "com.shop.UserService", "function": "find",
             "filename": "UserService.java", "lineno": 42, "in_app": true}]}}]}
        """
        .formatted(name, t, t, name, errorType);
  }

  private static int status(byte[] response) {
    String head = new String(response, 0, Math.min(response.length, 12), StandardCharsets.US_ASCII);
    return Integer.parseInt(head.substring(9, 12));
  }

  /**
   * POSTs {@code body} to {@code /v1/events} at {@code base} over a plain socket (one request per
   * connection) and returns the whole answer.
   *
   * @throws IOException if the connection ends before any answer
   */
  private static byte[] post(URI base, String token, String body, String idempotencyKey)
      throws IOException {
    byte[] json = body.getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(30_000);
      String head =
          "POST /v1/events HTTP/1.1\r\nHost: "
              + base.getHost()
              + "\r\nConnection: close\r\nAuthorization: Bearer "
              + token
              + "\r\nContent-Type: application/json\r\nContent-Length: "
              + json.length
              + "\r\n"
              + (idempotencyKey == null ? "" : "Idempotency-Key: " + idempotencyKey + "\r\n")
              + "\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(json);
      out.flush();
      byte[] answer = socket.getInputStream().readAllBytes();
      if (answer.length < 12) {
        throw new IOException("the connection was closed before any answer");
      }
      return answer;
    }
  }

  /**
   * Accepts one connection, forwards the request to intake, reads intake's whole answer, and closes
   * the client's connection without passing it on: the request was stored, the client cannot tell.
   */
  private static final class AnswerDroppingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final CompletableFuture<byte[]> intakeAnswer = new CompletableFuture<>();

    AnswerDroppingProxy(URI intake) throws IOException {
      server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      Thread.ofPlatform()
          .daemon()
          .name("answer-dropping-proxy")
          .start(
              () -> {
                try (Socket client = server.accept();
                    Socket upstream = new Socket(intake.getHost(), intake.getPort())) {
                  client.setSoTimeout(30_000);
                  upstream.setSoTimeout(30_000);
                  byte[] request = readRequest(client.getInputStream());
                  upstream.getOutputStream().write(request);
                  upstream.getOutputStream().flush();
                  intakeAnswer.complete(upstream.getInputStream().readAllBytes());
                  // Closing the client's socket here, nothing written: the answer is lost.
                } catch (IOException | RuntimeException e) {
                  intakeAnswer.completeExceptionally(e);
                }
              });
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    byte[] intakeAnswer() throws Exception {
      return intakeAnswer.get(30, TimeUnit.SECONDS);
    }

    /** The request's head and its body (by its Content-Length). */
    private static byte[] readRequest(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("the client closed the connection mid-request");
        }
        head.write(b);
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      String text = head.toString(StandardCharsets.US_ASCII);
      int length = 0;
      for (String line : text.split("\r\n")) {
        if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      head.write(in.readNBytes(length));
      return head.toByteArray();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
