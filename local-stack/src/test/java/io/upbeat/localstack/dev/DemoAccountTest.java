package io.upbeat.localstack.dev;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo account's life across restarts, against a fake of the few API calls it makes. */
class DemoAccountTest {
  @TempDir Path dir;
  private final FakeUpbeat upbeat = new FakeUpbeat();
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
  private DemoApi api;
  private Path file;

  @BeforeEach
  void start() throws IOException {
    api = new DemoApi(upbeat.start(), upbeat.url());
    file = dir.resolve("demo.json");
  }

  @AfterEach
  void stop() {
    upbeat.stop();
  }

  @Test
  void isCreatedOnceAndReusedOnTheNextStart() throws Exception {
    DemoAccount first = DemoAccount.ensure(api, file, out);
    assertThat(first.created()).isTrue();
    assertThat(first.state().email()).isEqualTo("demo@example.com");
    assertThat(first.state().password()).hasSize(16);
    assertThat(DemoState.load(file)).contains(first.state());

    DemoAccount second = DemoAccount.ensure(api, file, out);
    assertThat(second.created()).isFalse();
    assertThat(second.state()).isEqualTo(first.state());
    assertThat(upbeat.signups.get()).isEqualTo(1);
  }

  @Test
  void aTokenRotatedMeanwhileIsRotatedAgainAndStored() throws Exception {
    DemoState first = DemoAccount.ensure(api, file, out).state();
    upbeat.secrets.remove(first.secretToken()); // rotated in the dashboard

    DemoState second = DemoAccount.ensure(api, file, out).state();
    assertThat(second.secretToken()).isNotEqualTo(first.secretToken()).isIn(upbeat.secrets);
    assertThat(second.ciToken()).isEqualTo(first.ciToken());
    assertThat(DemoState.load(file)).contains(second);
  }

  @Test
  void aResetDatabaseGetsANewAccount() throws Exception {
    DemoState first = DemoAccount.ensure(api, file, out).state();
    upbeat.reset();

    DemoAccount second = DemoAccount.ensure(api, file, out);
    assertThat(second.created()).isTrue();
    assertThat(second.state().appId()).isNotEqualTo(first.appId());
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("was it reset?");
  }

  @Test
  void aDemoUserWhosePasswordWasLostIsNeverTakenOver() throws Exception {
    upbeat.passwords.put("demo@example.com", "someone else's password");

    DemoAccount account = DemoAccount.ensure(api, file, out);
    assertThat(account.state().email()).matches("demo-[0-9a-f]{8}@example\\.com");
    assertThat(upbeat.passwords).containsEntry("demo@example.com", "someone else's password");
  }

  /** Sign-up, login, app creation and tokens as the API and intake answer them. */
  private static final class FakeUpbeat {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Map<String, String> passwords = new HashMap<>();
    final Set<String> apps = new HashSet<>();
    final Set<String> secrets = new HashSet<>();
    final Set<String> ciTokens = new HashSet<>();
    final AtomicInteger signups = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();
    private HttpServer server;

    String start() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", this::handle);
      server.start();
      return url();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void stop() {
      server.stop(0);
    }

    synchronized void reset() {
      passwords.clear();
      apps.clear();
      secrets.clear();
      ciTokens.clear();
    }

    private synchronized void handle(HttpExchange x) throws IOException {
      String path = x.getRequestURI().getPath();
      String bearer =
          String.valueOf(x.getRequestHeaders().getFirst("Authorization")).replace("Bearer ", "");
      JsonNode body = JSON.readTree(x.getRequestBody().readAllBytes());
      ObjectNode answer = JSON.createObjectNode();
      int status;
      String[] parts = path.split("/");
      if (path.equals("/api/v1/signup")) {
        String email = body.path("email").asText();
        if (passwords.containsKey(email)) {
          status = 409;
        } else {
          passwords.put(email, body.path("password").asText());
          signups.incrementAndGet();
          answer.put("api_key", "key");
          answer.putObject("org").put("id", "org-" + ids.incrementAndGet());
          status = 201;
        }
      } else if (path.equals("/api/v1/login")) {
        String email = body.path("email").asText();
        status = body.path("password").asText().equals(passwords.get(email)) ? 200 : 401;
        answer.put("api_key", "key");
      } else if (path.matches("/api/v1/orgs/[^/]+/apps")) {
        String id = "app-" + ids.incrementAndGet();
        apps.add(id);
        answer.put("id", id).put("secret_token", newSecret()).put("ci_token", newCiToken());
        status = 201;
      } else if (path.matches("/api/v1/apps/[^/]+")) {
        status = apps.contains(parts[4]) ? 200 : 404;
      } else if (path.matches("/api/v1/apps/[^/]+/tokens/rotate")) {
        answer.put(
            "token", body.path("kind").asText().equals("secret") ? newSecret() : newCiToken());
        status = 200;
      } else if (path.matches("/api/v1/apps/[^/]+/releases/latest")) {
        status = ciTokens.contains(bearer) ? 404 : 401;
      } else if (path.equals("/v1/events")) {
        status = secrets.contains(bearer) ? 202 : 401;
      } else {
        status = 404;
      }
      byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(status, bytes.length);
      x.getResponseBody().write(bytes);
      x.close();
    }

    private String newSecret() {
      String token = "ub_app_" + ids.incrementAndGet();
      secrets.add(token);
      return token;
    }

    private String newCiToken() {
      String token = "ub_ci_" + ids.incrementAndGet();
      ciTokens.add(token);
      return token;
    }
  }
}
