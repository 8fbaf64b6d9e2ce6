package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import io.upbeat.localstack.FreePorts;
import io.upbeat.systemtests.browser.Browser;
import io.upbeat.systemtests.browser.BrowserTest;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Alerts end to end in a real Chromium against the whole platform, e-mail through a GreenMail SMTP
 * server: a person verifies their address, creates an app and an error-count rule on its alerts
 * page; the app's errors are posted to intake; the processor's evaluator fires the rule once the
 * minute is complete and the firing e-mail arrives; the next minute has no errors, so the resolve
 * e-mail follows. The evaluator runs every 2 s with a 2 s grace here, so this takes about two
 * minutes.
 */
@BrowserTest
// Mostly waiting for minutes to pass: runs beside the other system tests (see the pom).
@Execution(ExecutionMode.CONCURRENT)
class ITAlertsBrowser {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERIFY =
      Pattern.compile("/verify-email\\?token=(ub_ver_[A-Za-z0-9_-]{43})");

  private static final int SMTP_PORT = FreePorts.pick();
  private static final GreenMail SMTP =
      new GreenMail(new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));

  @TempDir static Path dataDir;
  private static UpbeatDev platform;

  @BeforeAll
  static void startPlatform() throws Exception {
    SMTP.start();
    platform =
        UpbeatDev.start(
            dataDir,
            Map.of(
                "SPRING_MAIL_HOST", "127.0.0.1",
                "SPRING_MAIL_PORT", String.valueOf(SMTP_PORT),
                "UPBEAT_PROCESSOR_ALERTS_INTERVAL", "2s",
                "UPBEAT_PROCESSOR_ALERTS_GRACE", "2s",
                "UPBEAT_NOTIFICATIONS_POLL_INTERVAL", "500ms"));
  }

  @AfterAll
  static void stopPlatform() throws Exception {
    try {
      if (platform != null) {
        try {
          assertThat(platform.stop()).isZero();
        } finally {
          platform.close();
        }
      }
    } finally {
      SMTP.stop();
    }
  }

  @Test
  void aRuleMadeOnTheAlertsPageFiresByMailAndResolves(Browser browser) throws Exception {
    browser.baseUrl(platform.apiUrl());
    String email = "oncall@example.com";

    browser.open("/signup");
    browser.fill("input[name=email]", email);
    browser.fill("input[name=password]", "a long enough password");
    browser.fill("input[name=name]", "On Call");
    browser.fill("input[name=org_name]", "Pagers");
    browser.click("form button[type=submit]");
    new WebDriverWait(browser.driver(), Duration.ofSeconds(15))
        .until(d -> !browser.path().equals("/signup"));
    // Alerts go only to verified addresses: follow the link the sign-up mailed.
    await().atMost(Duration.ofSeconds(30)).until(() -> !mailsTo(email).isEmpty());
    Matcher link = VERIFY.matcher(GreenMailUtil.getBody(mailsTo(email).getFirst()));
    assertThat(link.find()).isTrue();
    browser.open("/verify-email?token=" + link.group(1));
    browser.click("#verify-form button[type=submit]");
    new WebDriverWait(browser.driver(), Duration.ofSeconds(15))
        .until(d -> browser.exists("#verified"));

    browser.open("/apps");
    browser.fill("form input[name=name]", "shop");
    browser.click("form:has(input[name=name]) button[type=submit]");
    String appId = browser.text("#app-id");
    String secret = browser.text("#secret-token");

    browser.open("/apps/" + appId + "/alerts");
    assertThat(browser.text("#alert-rules")).contains("New error").contains("Regression");
    browser.fill("#rule-name", "Checkout errors");
    new Select(browser.find("#rule-kind")).selectByValue("error_count");
    browser.fill("#rule-threshold", "2");
    browser.fill("#rule-minutes", "1");
    browser.click("input[name=email_to][value='" + email + "']");
    browser.click("#save-rule");
    new WebDriverWait(browser.driver(), Duration.ofSeconds(15))
        .until(d -> browser.text("#alert-rules").contains("Checkout errors"));
    assertThat(browser.text("#alert-rules")).contains("more than 2 errors in 1 minute");
    browser.screenshot("alert-rule-created");
    assertThat(browser.consoleErrors()).isEmpty();

    // Three errors in one minute: more than 2.
    JsonApi intake = new JsonApi(platform.intakeUrl());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> intake.sendEvents(secret, "{\"service\":{\"name\":\"shop\"}}") == 202);
    assertThat(intake.sendEvents(secret, errors(Instant.now(), 3))).isEqualTo(202);

    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> subjects(email).stream().anyMatch(s -> s.contains("FIRING: Checkout errors")));
    MimeMessage firing =
        mailsTo(email).stream()
            .filter(m -> subject(m).contains("FIRING: Checkout errors"))
            .findFirst()
            .orElseThrow();
    assertThat(GreenMailUtil.getBody(firing))
        .contains("more than 2 errors in 1 minute")
        .contains("Value: 3")
        .contains("Error group: ");

    // No errors in the following minute: the condition clears and the resolve message comes.
    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> subjects(email).stream().anyMatch(s -> s.contains("RESOLVED: Checkout errors")));
    assertThat(subjects(email).stream().filter(s -> s.contains("Checkout errors")).toList())
        .containsExactly(
            "[Upbeat] FIRING: Checkout errors in shop",
            "[Upbeat] RESOLVED: Checkout errors in shop");

    browser.open("/apps/" + appId + "/alerts");
    String page = browser.text("#rule-" + ruleId(browser));
    assertThat(page).contains("resolved").contains("firing").contains("ok");
    browser.screenshot("alert-rule-resolved");
    assertThat(browser.consoleErrors()).isEmpty();
  }

  private static String ruleId(Browser browser) {
    return browser.findAll("#alert-rules li.alert-rule").stream()
        .filter(li -> li.getText().contains("Checkout errors"))
        .findFirst()
        .orElseThrow()
        .getAttribute("id")
        .substring("rule-".length());
  }

  private static List<MimeMessage> mailsTo(String email) {
    return Arrays.stream(SMTP.getReceivedMessages())
        .filter(
            m -> {
              try {
                return Arrays.stream(m.getRecipients(Message.RecipientType.TO))
                    .anyMatch(a -> a.toString().equalsIgnoreCase(email));
              } catch (jakarta.mail.MessagingException e) {
                return false;
              }
            })
        .toList();
  }

  private static List<String> subjects(String email) {
    return mailsTo(email).stream().map(ITAlertsBrowser::subject).toList();
  }

  private static String subject(MimeMessage m) {
    try {
      return m.getSubject();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code n} errors of one kind, all at {@code at}: in one minute. */
  private static String errors(Instant at, int n) {
    ObjectNode batch = JSON.createObjectNode();
    batch.putObject("service").put("name", "shop").put("version", "1.0.0");
    ArrayNode list = batch.putArray("errors");
    for (int i = 0; i < n; i++) {
      ObjectNode error = list.addObject();
      error.put("id", "e" + i).put("timestamp", at.toString());
      error.put("culprit", "com.shop.Checkout.pay");
      ObjectNode exception = error.putObject("exception");
      exception.put("type", "java.lang.IllegalStateException").put("message", "card declined");
      exception
          .putArray("stacktrace")
          .addObject()
          .put("module", "com.shop.Checkout")
          .put("function", "pay")
          .put("filename", "Checkout.java")
          .put("lineno", 7)
          .put("in_app", true);
    }
    return batch.toString();
  }
}
