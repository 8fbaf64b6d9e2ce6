package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.upbeat.systemtests.browser.Browser;
import io.upbeat.systemtests.browser.BrowserTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Refreshes the README's screenshots ({@code docs/screenshots/}) from a running {@code ./upbeat dev
 * --demo}, signed in as its demo user. Not part of the build: run it by hand once the demo has sent
 * traffic for a quarter of an hour or so, so the charts have some history:
 *
 * <pre>
 * ./upbeat dev --demo        # in another terminal
 * ./mvnw -B verify -pl system-tests -Dtest=DocsScreenshots -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dupbeat.docs.api=http://127.0.0.1:8080 -Dupbeat.docs.data-dir=$PWD/.upbeat
 * </pre>
 */
@BrowserTest
@EnabledIfSystemProperty(named = "upbeat.docs.api", matches = "https?://.+")
class DocsScreenshots {
  @Test
  void overviewAndErrorDetailOfTheDemo(Browser browser) throws Exception {
    String api = System.getProperty("upbeat.docs.api");
    Path dataDir = Path.of(System.getProperty("upbeat.docs.data-dir", ".upbeat"));
    JsonNode demo = JsonApi.parse(Files.readString(dataDir.resolve("demo.json")));
    String app = "/apps/" + demo.path("app_id").asText();
    Path docs = Repository.root().resolve("docs/screenshots");
    Files.createDirectories(docs);

    browser.baseUrl(api);
    browser.viewport(1280, 1000);
    browser.open("/login");
    browser.fill("input[name=email]", demo.path("email").asText());
    browser.fill("input[name=password]", demo.path("password").asText());
    browser.click("form button[type=submit]");

    browser.open(app);
    awaitDrawn(browser, "#response-time-chart");
    awaitDrawn(browser, "#throughput-chart");
    save(browser.screenshot("docs-overview"), docs.resolve("overview.png"));

    browser.open(app + "/errors");
    browser.findAll("#errors a.error-type").stream()
        .filter(a -> a.getText().equals("java.lang.ArithmeticException"))
        .findFirst()
        .orElseThrow()
        .click();
    assertThat(browser.text("#assignee")).isEqualTo("carol@example.com");
    awaitDrawn(browser, "#hourly-chart");
    save(browser.screenshot("docs-error-detail"), docs.resolve("error-detail.png"));
  }

  private static void awaitDrawn(Browser browser, String chart) {
    new WebDriverWait(browser.driver(), Duration.ofSeconds(15))
        .until(d -> browser.find(chart).getAttribute("data-points") != null);
  }

  private static void save(Path shot, Path target) throws Exception {
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
  }
}
