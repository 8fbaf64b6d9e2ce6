package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Password guessing is throttled per e-mail and per client address, with Retry-After, even when the
 * guesses arrive all at once. No proxy is trusted here; {@link ITTrustedProxies} trusts one.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "upbeat.accounts.login-throttle.window=15m",
      "upbeat.accounts.login-throttle.max-failures-per-email=5",
      "upbeat.accounts.login-throttle.max-failures-per-address=12"
    })
class ITLoginThrottle {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
  }

  /** A clock the test moves, so the window can pass without waiting 15 minutes. */
  static final class TestClock extends Clock {
    private volatile Instant now = Instant.parse("2026-11-26T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @TestConfiguration
  static class Clocks {
    @Bean
    @Primary
    TestClock testClock() {
      return new TestClock();
    }
  }

  @LocalServerPort int port;
  @Autowired TestClock clock;
  @Autowired JdbcTemplate jdbc;
  ApiClient api;

  @BeforeEach
  void setUp() {
    api = new ApiClient(port);
    jdbc.update("DELETE FROM login_failures");
  }

  @Test
  void anEmailIsThrottledAfterFiveFailuresEvenForTheRightPassword() {
    Account alice = api.newAccount("Throttled");
    for (int i = 0; i < 5; i++) {
      assertThat(login(alice.email(), "wrong password " + i).status()).isEqualTo(401);
    }

    Response throttled = login(alice.email(), alice.password());
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.text("/error")).isEqualTo("rate_limited");
    long retryAfter =
        Long.parseLong(throttled.raw().headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 15 * 60L);

    // Another e-mail from the same address is not affected.
    Account bob = api.newAccount("Unaffected");
    assertThat(login(bob.email(), bob.password()).status()).isEqualTo(200);

    clock.advance(Duration.ofMinutes(15).plusSeconds(1));
    assertThat(login(alice.email(), alice.password()).status()).isEqualTo(200);
  }

  @Test
  void anAddressIsThrottledAfterManyFailuresAcrossEmails() {
    Account victim = api.newAccount("Victim");
    for (int i = 0; i < 12; i++) {
      String someone = "nobody-" + UUID.randomUUID() + "@example.com";
      assertThat(login(someone, "guess").status()).isEqualTo(401);
    }

    Response throttled = login(victim.email(), victim.password());
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.raw().headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void aSuccessfulLoginClearsTheEmailsFailures() {
    Account alice = api.newAccount("Forgiven");
    for (int i = 0; i < 4; i++) {
      login(alice.email(), "typo " + i);
    }
    assertThat(login(alice.email(), alice.password()).status()).isEqualTo(200);
    for (int i = 0; i < 4; i++) {
      assertThat(login(alice.email(), "typo again " + i).status()).isEqualTo(401);
    }
    assertThat(login(alice.email(), alice.password()).status()).isEqualTo(200);
  }

  @Test
  void theBrowserFormIsThrottledLikeTheApi() throws Exception {
    Account alice = api.newAccount("Form throttled");
    for (int i = 0; i < 5; i++) {
      login(alice.email(), "wrong " + i);
    }
    CookieManager cookies = new CookieManager();
    HttpClient browser = HttpClient.newBuilder().cookieHandler(cookies).build();
    browser.send(
        HttpRequest.newBuilder(URI.create(url("/login"))).build(),
        HttpResponse.BodyHandlers.discarding());
    String csrf =
        cookies.getCookieStore().getCookies().stream()
            .filter(c -> c.getName().equals("XSRF-TOKEN"))
            .findFirst()
            .orElseThrow()
            .getValue();

    HttpResponse<String> form =
        browser.send(
            HttpRequest.newBuilder(URI.create(url("/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "email=%s&password=%s&_csrf=%s"
                            .formatted(
                                URLEncoder.encode(alice.email(), StandardCharsets.UTF_8),
                                URLEncoder.encode(alice.password(), StandardCharsets.UTF_8),
                                csrf)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(form.statusCode()).isEqualTo(429);
    assertThat(form.headers().firstValue("Retry-After")).isPresent();
    assertThat(form.body()).contains("\"error\":\"rate_limited\"");
  }

  @Test
  void parallelGuessesReachThePasswordCheckNoMoreThanTheLimit() throws Exception {
    Account alice = api.newAccount("Parallel");
    int guesses = 20;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> statuses = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(guesses)) {
      for (int i = 0; i < guesses; i++) {
        String guess = "parallel guess " + i;
        statuses.add(
            pool.submit(
                () -> {
                  start.await();
                  return login(alice.email(), guess).status();
                }));
      }
      start.countDown();
      Map<Integer, Long> byStatus = new TreeMap<>();
      for (Future<Integer> status : statuses) {
        byStatus.merge(status.get(30, TimeUnit.SECONDS), 1L, Long::sum);
      }
      // Each attempt is counted before its password is checked, in one statement: exactly the
      // first five are checked (and wrong), every other one is refused without a check.
      assertThat(byStatus).containsExactly(entry(401, 5L), entry(429, 15L));
    }
    // The right password is refused too, until the window ends.
    assertThat(login(alice.email(), alice.password()).status()).isEqualTo(429);
  }

  @Test
  void aForgedForwardedForDoesNotEscapeTheAddressLimit() {
    Account victim = api.newAccount("Not behind a proxy");
    for (int i = 0; i < 12; i++) {
      String someone = "nobody-" + UUID.randomUUID() + "@example.com";
      Response r = loginFrom("198.51.100." + i, someone, "guess");
      assertThat(r.status()).isEqualTo(401);
    }
    // No proxy is trusted here: the header is ignored, and every guess came from 127.0.0.1.
    assertThat(loginFrom("203.0.113.99", victim.email(), victim.password()).status())
        .isEqualTo(429);
    assertThat(
            jdbc.queryForList(
                "SELECT key FROM login_failures WHERE key LIKE 'addr:%'", String.class))
        .containsExactly("addr:127.0.0.1");
  }

  @Test
  void aSuccessfulLoginDoesNotClearTheAddressFailures() {
    Account attacker = api.newAccount("Own account");
    for (int i = 0; i < 11; i++) {
      assertThat(login("nobody-" + UUID.randomUUID() + "@example.com", "guess").status())
          .isEqualTo(401);
    }
    // Signing in to one's own account takes back that one attempt, not the failures before it.
    assertThat(login(attacker.email(), attacker.password()).status()).isEqualTo(200);
    assertThat(login(attacker.email(), attacker.password()).status()).isEqualTo(200);
    assertThat(login("nobody-" + UUID.randomUUID() + "@example.com", "guess").status())
        .isEqualTo(401);
    assertThat(login("nobody-" + UUID.randomUUID() + "@example.com", "guess").status())
        .isEqualTo(429);
  }

  private Response loginFrom(String forwardedFor, String email, String password) {
    return api.send(
        api.request("/api/v1/login", null)
            .header("Content-Type", "application/json")
            .header("X-Forwarded-For", forwardedFor)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"email\": \"%s\", \"password\": \"%s\"}".formatted(email, password))));
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private Response login(String email, String password) {
    return api.post(
        "/api/v1/login",
        null,
        "{\"email\": \"%s\", \"password\": \"%s\"}".formatted(email, password));
  }
}
