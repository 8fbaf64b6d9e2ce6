package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.upbeat.systemtests.browser.Browser;
import io.upbeat.systemtests.browser.BrowserTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium against the whole platform ({@code ./upbeat dev}: api,
 * intake and processor on embedded Kafka and PostgreSQL): a newcomer signs up, creates an app, CI
 * posts a release and the app's agent sends events; the overview chart shows points, the error
 * appears assigned to the commit's author, is resolved, a rotated token is refused by intake, and
 * an API key created on the account page works until it is revoked there; an invitee follows the
 * e-mailed link (an {@code .eml} file under {@code <data-dir>/mail}), signs up from it and lands in
 * the org. Screenshots land in {@code target/screenshots/}.
 */
@BrowserTest
class ITDashboardBrowser {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RELEASE = "2026.11.26-1";
  private static final String COMMITTER = "alice@example.com";

  private static UpbeatDev platform;
  private long lapStart = System.nanoTime();

  @BeforeAll
  static void startPlatform() {
    platform = SharedPlatform.get();
  }

  @Test
  void theSignInPageRendersAndGuardsTheDashboard(Browser browser) {
    browser.baseUrl(platform.apiUrl());
    browser.open("/apps");
    assertThat(browser.path()).isEqualTo("/login");
    assertThat(browser.text("h1")).isEqualTo("Sign in to Upbeat");
    assertThat(browser.find("input[name=email]").getAttribute("type")).isEqualTo("email");
    assertThat(browser.find("input[name=password]").getAttribute("type")).isEqualTo("password");
    browser.screenshot("login");
    assertThat(browser.consoleErrors()).isEmpty();

    browser.fill("input[name=email]", "nobody@example.com");
    browser.fill("input[name=password]", "not the password");
    browser.click("form button[type=submit]");
    assertThat(browser.text("[role=alert]")).isEqualTo("Wrong e-mail or password.");
  }

  @Test
  void signUpCreateAnAppSeeItsDataTriageTheErrorAndRotateAToken(Browser browser) {
    browser.baseUrl(platform.apiUrl());
    JsonApi api = new JsonApi(platform.apiUrl());
    JsonApi intake = new JsonApi(platform.intakeUrl());
    String email = "newcomer@example.com";
    String password = "a long enough password";

    // Sign up and create an app, as a newcomer does.
    browser.open("/signup");
    browser.fill("input[name=email]", email);
    browser.fill("input[name=password]", password);
    browser.fill("input[name=name]", "New Comer");
    browser.fill("input[name=org_name]", "Newcomers");
    browser.click("form button[type=submit]");
    new WebDriverWait(browser.driver(), Duration.ofSeconds(15))
        .until(d -> !browser.path().equals("/signup"));
    browser.open("/apps");
    browser.fill("form input[name=name]", "shop");
    browser.click("form:has(input[name=name]) button[type=submit]");
    String appId = browser.text("#app-id");
    String secret = browser.text("#secret-token");
    String ciToken = browser.text("#ci-token");
    assertThat(secret).startsWith("ub_app_");
    assertThat(ciToken).startsWith("ub_ci_");
    browser.screenshot("app-created");
    assertThat(browser.consoleErrors()).isEmpty();
    lap("signed up and created the app");

    // CI posts the release; the app's agent reports five minutes of requests and one error.
    Instant now = Instant.now();
    api.post("/api/v1/apps/" + appId + "/releases", ciToken, releaseJson(now), 201);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> intake.sendEvents(secret, emptyBatch()) == 202);
    assertThat(intake.sendEvents(secret, eventsJson(now))).isEqualTo(202);
    lap("posted the release and the events");

    // Once the processor has stored them: every request counted, and the chart draws them.
    String overview = "/apps/" + appId;
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              browser.open(overview);
              return drawnPoints(browser, "#response-time-chart") > 0
                  && browser.find("#summary-requests").getAttribute("data-value").equals("150");
            });
    browser.screenshot("overview");
    assertThat(browser.consoleErrors()).isEmpty();
    browser.phone();
    browser.open(overview);
    assertThat(drawnPoints(browser, "#response-time-chart")).isPositive();
    browser.screenshot("overview-phone");
    browser.desktop();
    lap("saw the overview's charts");

    // The error, assigned to the author of the commit that changed its line; resolved.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              browser.open("/apps/" + appId + "/errors");
              return browser.exists("#errors a.error-type");
            });
    browser.click("#errors a.error-type");
    assertThat(browser.text("#assignee")).contains(COMMITTER);
    assertThat(browser.text("#assignment-reason"))
        .contains("commit 9fceb02 by " + COMMITTER + " changed UserService.java lines 40-48");
    assertThat(drawnPoints(browser, "#hourly-chart")).isPositive();
    browser.screenshot("error-detail");
    browser.click("#resolve");
    // htmx swaps the triage section: read #status afresh until it says so.
    new WebDriverWait(browser.driver(), Duration.ofSeconds(10))
        .ignoring(StaleElementReferenceException.class)
        .until(d -> browser.text("#status").toLowerCase(Locale.ROOT).equals("resolved"));
    assertThat(browser.consoleErrors()).isEmpty();
    lap("saw the assigned error and resolved it");

    // Rotating the secret token: intake refuses the old one within 30 s, takes the new one.
    browser.open("/apps/" + appId + "/settings");
    browser.click("#rotate-secret");
    browser.acceptDialog();
    String rotated = browser.text("#new-token");
    assertThat(rotated).startsWith("ub_app_").isNotEqualTo(secret);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> intake.sendEvents(secret, emptyBatch()) == 401);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> intake.sendEvents(rotated, emptyBatch()) == 202);
    browser.screenshot("settings-rotated");
    lap("rotated the secret token");

    // The account page: a new API key is shown once and works; revoked, the API refuses it.
    browser.open("/account");
    browser.fill("#api-keys input[name=name]", "browser key");
    browser.click("#api-keys form:has(input[name=name]) button[type=submit]");
    String apiKey = browser.text("#new-api-key");
    assertThat(apiKey).startsWith("ub_key_");
    assertThat(api.get("/api/v1/me", apiKey).path("user").path("email").asText()).isEqualTo(email);
    browser.screenshot("account-key-created");
    browser.click("#api-keys button[aria-label='Revoke API key browser key']");
    browser.acceptDialog();
    new WebDriverWait(browser.driver(), Duration.ofSeconds(10))
        .ignoring(StaleElementReferenceException.class)
        .until(d -> browser.text("#api-keys [role=status]").equals("API key revoked."));
    assertThat(browser.exists("#api-keys button[aria-label='Revoke API key browser key']"))
        .isFalse();
    api.post("/api/v1/me/api-keys", apiKey, "{\"name\": \"after revocation\"}", 401);
    assertThat(browser.consoleErrors()).isEmpty();
    lap("created and revoked an API key");
  }

  @Test
  void anInviteeFollowsTheMailedLinkSignsUpAndJoins(Browser browser) {
    browser.baseUrl(platform.apiUrl());
    JsonApi api = new JsonApi(platform.apiUrl());
    JsonApi.SignedUp owner = api.signUpWithApp("team-owner@example.com", "Team Org", "team-app");
    String orgId = owner.app().path("org_id").asText();
    String invitee = "invitee@example.com";
    api.post(
        "/api/v1/orgs/" + orgId + "/invitations",
        owner.apiKey(),
        "{\"email\": \"" + invitee + "\"}",
        201);

    // ./upbeat dev has no SMTP host: the invitation is a whole .eml file in <data-dir>/mail.
    String link =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> invitationLink(SharedPlatform.dataDir().resolve("mail"), invitee),
                Optional::isPresent)
            .orElseThrow();
    assertThat(link).startsWith(platform.apiUrl() + "/invitations/accept?token=ub_inv_");

    // Signed out, the link's page offers sign-up, which carries the token and joins on the way.
    browser.open(link);
    assertThat(browser.text("#invitation-org")).isEqualTo("Team Org");
    browser.screenshot("invitation");
    browser.click("#accept-sign-up");
    assertThat(browser.find("input[name=email]").getAttribute("value")).isEqualTo(invitee);
    browser.fill("input[name=password]", "a long enough password");
    browser.fill("input[name=org_name]", "Invitee's own");
    browser.click("form button[type=submit]");
    new WebDriverWait(browser.driver(), Duration.ofSeconds(15))
        .until(d -> browser.path().equals("/orgs/" + orgId + "/members"));
    assertThat(browser.text("#member-list")).contains("team-owner@example.com").contains(invitee);
    browser.screenshot("invitation-accepted");
    assertThat(browser.consoleErrors()).isEmpty();

    // The link was single-use.
    browser.open(link);
    assertThat(browser.exists("#invitation-invalid")).isTrue();
  }

  /** The accept link of the newest e-mail to {@code to} in the drop directory, if any yet. */
  private static Optional<String> invitationLink(Path mailDir, String to) throws IOException {
    if (!Files.isDirectory(mailDir)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(mailDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".eml")).sorted().toList().reversed()) {
        String eml = Files.readString(f, StandardCharsets.UTF_8);
        Matcher m = INVITATION_LINK.matcher(eml);
        if (eml.contains("To: " + to) && m.find()) {
          return Optional.of(m.group());
        }
      }
    }
    return Optional.empty();
  }

  private static final Pattern INVITATION_LINK =
      Pattern.compile("http://\\S+/invitations/accept\\?token=ub_inv_[A-Za-z0-9_-]{43}");

  private void lap(String what) {
    long now = System.nanoTime();
    System.out.printf("ITDashboardBrowser: %s in %.1f s%n", what, (now - lapStart) / 1e9);
    lapStart = now;
  }

  /**
   * A chart's {@code data-points} once its script has drawn it (within 5 s), else 0. The overview
   * replaces its live part every 10 s, so the chart is looked up afresh each time.
   */
  private static int drawnPoints(Browser browser, String chart) {
    try {
      String points =
          new WebDriverWait(browser.driver(), Duration.ofSeconds(5))
              .ignoring(StaleElementReferenceException.class)
              .until(d -> browser.find(chart).getAttribute("data-points"));
      return Integer.parseInt(points);
    } catch (TimeoutException e) {
      return 0;
    }
  }

  /** The release, deployed three minutes before {@code now}: its marker is within the chart. */
  private static String releaseJson(Instant now) {
    ObjectNode release =
        JSON.createObjectNode()
            .put("version", RELEASE)
            .put("deployed_at", now.minus(3, ChronoUnit.MINUTES).toString());
    ObjectNode commit =
        release
            .putArray("commits")
            .addObject()
            .put("sha", "9fceb02d0ae598e95dc970b74767f19372d61af8")
            .put("author_name", "Alice")
            .put("author_email", COMMITTER)
            .put("message", "Cache user lookups");
    ObjectNode file = commit.putArray("files").addObject();
    file.put("path", "src/main/java/com/shop/UserService.java").put("change", "modified");
    file.putArray("lines").addArray().add(40).add(48);
    return release.toString();
  }

  private static String emptyBatch() {
    return "{\"service\":{\"name\":\"shop\"}}";
  }

  /**
   * Requests spread over the five minutes before {@code now} with durations from 8 to 120 ms, and
   * one NullPointerException thrown in a line the release's commit changed.
   */
  static String eventsJson(Instant now) {
    ObjectNode batch = JSON.createObjectNode();
    batch.putObject("service").put("name", "shop").put("version", RELEASE);
    ArrayNode transactions = batch.putArray("transactions");
    Instant start = now.minus(5, ChronoUnit.MINUTES);
    for (int i = 0; i < 150; i++) {
      Instant at = start.plusSeconds(2L * i);
      boolean orders = i % 3 == 0;
      transactions
          .addObject()
          .put("id", "t" + i)
          .put("name", orders ? "GET /users/{id}/orders" : "GET /users/{id}")
          .put("type", "request")
          .put("timestamp", at.toString())
          .put("duration_ms", 8 + (i * 37) % 60 + (i % 25 == 0 ? 60 : 0))
          .put("result", "HTTP 2xx")
          .put("outcome", "success");
    }
    ObjectNode error = batch.putArray("errors").addObject();
    error.put("id", "e1").put("timestamp", now.minusSeconds(30).toString());
    error.put("transaction_name", "GET /users/{id}").put("culprit", "com.shop.UserService.find");
    ObjectNode exception = error.putObject("exception");
    exception.put("type", "java.lang.NullPointerException").put("message", "user is null");
    ArrayNode stack = exception.putArray("stacktrace");
    stack
        .addObject()
        .put("module", "com.shop.UserService")
        .put("function", "find")
        .put("filename", "UserService.java")
        .put("path", "src/main/java/com/shop/UserService.java")
        .put("lineno", 42)
        .put("in_app", true);
    stack
        .addObject()
        .put("module", "org.springframework.web.servlet.FrameworkServlet")
        .put("function", "service")
        .put("filename", "FrameworkServlet.java")
        .put("lineno", 897)
        .put("in_app", false);
    return batch.toString();
  }
}
