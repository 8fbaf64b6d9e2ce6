package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The service map page: the org's apps and the services they call drawn as an SVG graph (callers
 * left of callees, outside services on the right) above the table of calls; every stored string
 * escaped, no inline script; linked from the org's navigation; the API's answers for strangers.
 */
class ITDashboardServiceMapPages extends ApiIntegrationTest {
  private static final String EVIL_APP = "<script>alert('app')</script>";
  private static final String EVIL_DESTINATION = "<img src=x onerror=alert(1)>:80";

  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private PageSession browser;
  private String frontend;
  private String inventory;
  private final Instant minute =
      Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(10, ChronoUnit.MINUTES);

  @BeforeEach
  void aFrontendCallingAnAppAndTwoOutsideServices() {
    owner = api.newAccount("Map Pages " + UUID.randomUUID());
    browser = new PageSession(port).login(owner);
    frontend = app("frontend");
    inventory = app(EVIL_APP);
    TraceRows traces = new TraceRows(jdbc);
    DestinationRows metrics = new DestinationRows(jdbc);
    traces.checkout(frontend, inventory, minute, "SELECT", "boom");
    metrics.minute(frontend, "production", "inventory:8080", minute, 0, 1, 10, 20, 30, 40, 50, 60);
    metrics.minute(frontend, "production", EVIL_DESTINATION, minute, 0, 0, 5);
    metrics.minute(inventory, "staging", "postgresql", minute, 0, 0, 2, 2);
  }

  private String app(String name) {
    return api.post(
            "/api/v1/orgs/" + owner.orgId() + "/apps",
            owner.apiKey(),
            "{\"name\": %s}".formatted(TraceRows.json(name)))
        .text("/id");
  }

  private String page() {
    return "/orgs/" + owner.orgId() + "/service-map";
  }

  @Test
  void drawsTheCallersLeftOfWhatTheyCallAndListsTheCalls() {
    Document page = browser.page(page());
    Elements nodes = page.select("#service-map g.map-node");
    // Apps by name ("<script>…" sorts before "frontend"), then the outside services by name.
    assertThat(nodes.eachAttr("data-node"))
        .containsExactly(
            inventory, frontend, "external:" + EVIL_DESTINATION, "external:postgresql");
    Element front = nodes.get(1);
    Element inv = nodes.get(0);
    Element evil = nodes.get(2);
    // Apps link to their overview; outside services have no page.
    assertThat(front.selectFirst("a").attr("href")).isEqualTo("/apps/" + frontend);
    assertThat(inv.selectFirst("a").attr("href")).isEqualTo("/apps/" + inventory);
    assertThat(evil.selectFirst("a")).isNull();
    assertThat(evil.hasClass("external")).isTrue();
    // Columns by call depth: frontend, then inventory, then the outside services.
    assertThat(x(front)).isLessThan(x(inv));
    assertThat(x(inv)).isLessThan(x(evil));
    assertThat(x(nodes.get(3))).isEqualTo(x(evil));
    assertThat(inv.selectFirst("title").text()).isEqualTo(EVIL_APP);
    // A long name is cut in the box; the tooltip has it whole.
    assertThat(evil.selectFirst("text").text()).hasSize(22).endsWith("…");
    assertThat(evil.selectFirst("title").text()).isEqualTo(EVIL_DESTINATION + " (outside service)");

    Elements edges = page.select("#service-map g.map-edge");
    assertThat(edges).hasSize(3);
    Element toInventory = edges.get(0);
    assertThat(toInventory.attr("data-from")).isEqualTo(frontend);
    assertThat(toInventory.attr("data-to")).isEqualTo(inventory);
    assertThat(toInventory.selectFirst("path").attr("d")).startsWith("M ");
    assertThat(toInventory.selectFirst("path").attr("marker-end")).isEqualTo("url(#map-arrow)");
    // 6 calls in the last hour, 1 failed; p95 60 ms.
    // (The p95 is within 1 % of 60 ms.)
    assertThat(toInventory.selectFirst("text").text())
        .matches("0\\.1/min · 17 % · (59\\.[4-9]|60\\.[0-6]) ms");
    assertThat(toInventory.hasClass("bad")).isTrue();

    Elements rows = page.select("#edges tbody tr");
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).select("td").eachText())
        .containsExactly(
            "frontend",
            EVIL_APP,
            "6",
            "0.1",
            "17 %",
            "35.0 ms",
            toInventory.selectFirst("text").text().substring(17),
            "inventory:8080");
    assertThat(rows.get(1).select("td").get(0).text()).isEqualTo(EVIL_APP);
    assertThat(rows.get(1).select("td").get(1).text()).isEqualTo("postgresql");
    assertThat(rows.get(2).select("td").get(1).text()).isEqualTo(EVIL_DESTINATION);
  }

  private static double x(Element node) {
    return Double.parseDouble(node.selectFirst("rect").attr("x"));
  }

  @Test
  void keepsTheRangeAndFiltersByEnvironment() {
    Document page = browser.page(page() + "?range=24h&environment=staging");
    assertThat(page.select("nav.range a[aria-current=true]").text()).isEqualTo("24 h");
    assertThat(page.select("nav.range a").eachAttr("href"))
        .contains(page() + "?range=7d&environment=staging");
    assertThat(page.getElementById("map-environment").text()).isEqualTo("staging");
    assertThat(page.select("#edges tbody tr")).hasSize(1);
    assertThat(page.select("#edges tbody tr td").get(1).text()).isEqualTo("postgresql");

    Document empty = browser.page(page() + "?environment=nowhere");
    assertThat(empty.getElementById("map-empty")).isNotNull();
    assertThat(empty.getElementById("service-map")).isNull();
    assertThat(browser.get(page() + "?environment=a%01").statusCode()).isEqualTo(400);
  }

  @Test
  void escapesEveryStoredStringAndRunsNoInlineScript() {
    HttpResponse<String> r = browser.get(page());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .doesNotContain(EVIL_APP)
        .doesNotContain("<img src=x")
        .contains("&lt;script&gt;");
    Document page = browser.page(page());
    for (Element script : page.select("script")) {
      assertThat(script.attr("src")).startsWith("/");
      assertThat(script.data()).isEmpty();
    }
    assertThat(page.select("[onerror], img, [style]")).isEmpty();
    for (Element any : page.getAllElements()) {
      any.attributes()
          .forEach(a -> assertThat(a.getKey()).as(any.tagName()).doesNotStartWith("on"));
    }
  }

  @Test
  void isLinkedFromTheOrgsNavigation() {
    Document apps = browser.page("/apps");
    Element link = apps.selectFirst("a[href=" + page() + "]");
    assertThat(link).isNotNull();
    assertThat(link.text()).isEqualTo("Service map");
  }

  @Test
  void answersLikeTheApiForStrangers() {
    Account stranger = api.newAccount("Map Pages Stranger");
    PageSession other = new PageSession(port).login(stranger);
    for (String path : List.of(page(), "/orgs/" + UUID.randomUUID() + "/service-map")) {
      HttpResponse<String> r = other.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).doesNotContain("frontend").doesNotContain("inventory:8080");
    }
    Account member = api.newAccount("Map Pages Member");
    Teams.join(api, owner, member, "member");
    assertThat(new PageSession(port).login(member).page(page()).select("#edges tbody tr"))
        .hasSize(3);
    assertThat(new PageSession(port).get(page()).statusCode()).isEqualTo(302);
  }
}
