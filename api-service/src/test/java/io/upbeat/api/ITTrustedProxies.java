package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Response;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.net.http.HttpRequest;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Behind a trusted proxy (here the test itself, on 127.0.0.1) the login throttle keys on the
 * address the proxy forwarded for, so clients behind one proxy do not share one limit.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "upbeat.http.trusted-proxies=127.0.0.1,::1",
      "upbeat.accounts.login-throttle.max-failures-per-email=1000",
      "upbeat.accounts.login-throttle.max-failures-per-address=3"
    })
class ITTrustedProxies {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  ApiClient api;

  @BeforeEach
  void setUp() {
    api = new ApiClient(port);
    jdbc.update("DELETE FROM login_failures");
  }

  @Test
  void theAddressForwardedByATrustedProxyIsTheOneThrottled() {
    for (int i = 0; i < 3; i++) {
      assertThat(loginFrom("198.51.100.1", "guess").status()).isEqualTo(401);
    }
    Response throttled = loginFrom("198.51.100.1", "guess");
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.raw().headers().firstValue("Retry-After")).isPresent();

    // Another client behind the same proxy has a limit of its own.
    assertThat(loginFrom("198.51.100.2", "guess").status()).isEqualTo(401);
    // A client cannot pick its address: only the entry the proxy appended (right-most) counts.
    assertThat(loginFrom("198.51.100.2, 198.51.100.1", "guess").status()).isEqualTo(429);
    assertThat(loginFrom("garbage, 198.51.100.3", "guess").status()).isEqualTo(401);
    assertThat(
            jdbc.queryForList(
                "SELECT key FROM login_failures WHERE key LIKE 'addr:%' ORDER BY key",
                String.class))
        .containsExactly("addr:198.51.100.1", "addr:198.51.100.2", "addr:198.51.100.3");
  }

  @Test
  void withoutTheHeaderTheProxyItselfIsTheClient() {
    Response r =
        api.post(
            "/api/v1/login",
            null,
            "{\"email\": \"%s\", \"password\": \"guess\"}".formatted(someone()));
    assertThat(r.status()).isEqualTo(401);
    assertThat(
            jdbc.queryForList(
                "SELECT key FROM login_failures WHERE key LIKE 'addr:%'", String.class))
        .containsExactly("addr:127.0.0.1");
  }

  private Response loginFrom(String forwardedFor, String password) {
    return api.send(
        api.request("/api/v1/login", null)
            .header("Content-Type", "application/json")
            .header("X-Forwarded-For", forwardedFor)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"email\": \"%s\", \"password\": \"%s\"}".formatted(someone(), password))));
  }

  private static String someone() {
    return "nobody-" + UUID.randomUUID() + "@example.com";
  }
}
