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
 * The trace waterfall page: one timeline across services, spans nested by parent, errors as
 * markers, every stored string escaped; reached from a transaction's samples and an error's
 * occurrences.
 */
class ITDashboardTracePages extends ApiIntegrationTest {
  private static final String EVIL = "<script>alert('span')</script>";

  @Autowired JdbcTemplate jdbc;

  private TraceRows rows;
  private Account owner;
  private PageSession browser;
  private String frontend;
  private String inventory;
  private UUID group;
  private final Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
  private String trace;

  @BeforeEach
  void aTraceAcrossTwoApps() {
    rows = new TraceRows(jdbc);
    owner = api.newAccount("Trace Pages " + UUID.randomUUID());
    browser = new PageSession(port).login(owner);
    frontend = app("frontend");
    inventory = app("inventory <b>v2</b>");
    TraceRows.Checkout checkout =
        rows.checkout(frontend, inventory, start, EVIL, "<img src=x onerror=alert(1)>");
    trace = checkout.trace();
    group = checkout.group();
  }

  private String app(String name) {
    return api.post(
            "/api/v1/orgs/" + owner.orgId() + "/apps",
            owner.apiKey(),
            "{\"name\": %s}".formatted(TraceRows.json(name)))
        .text("/id");
  }

  private String page(String traceId) {
    return "/orgs/" + owner.orgId() + "/traces/" + traceId;
  }

  @Test
  void drawsOneTimelineWithSpansNestedByParentAndErrorsAsMarkers() {
    Document page = browser.page(page(trace));
    assertThat(page.getElementById("trace-id").text()).isEqualTo(trace);
    assertThat(page.getElementById("trace-duration").text()).isEqualTo("100 ms");
    Elements items = page.select("#waterfall > li");
    assertThat(items.eachAttr("data-kind"))
        .containsExactly("transaction", "span", "transaction", "span", "error", "span");
    assertThat(items.eachAttr("data-depth")).containsExactly("0", "1", "2", "3", "4", "3");
    assertThat(items.get(0).text()).contains("frontend").contains("GET /checkout");
    assertThat(items.get(1).text()).contains("external.http → inventory:8080");
    assertThat(items.get(2).text()).contains("inventory <b>v2</b>").contains("GET /stock");
    assertThat(items.get(2).hasClass("failed")).isTrue();
    assertThat(items.get(3).text()).contains(EVIL).contains("postgresql");
    assertThat(items.get(4).text())
        .contains("java.sql.SQLException: <img src=x onerror=alert(1)>")
        .contains("com.shop.Stock.reserve");
    assertThat(items.get(5).text()).contains("render");

    // A colour per service, on the labels and the bars alike.
    Elements services = page.select("#services .badge");
    assertThat(services.eachText()).containsExactly("frontend", "inventory <b>v2</b>");
    assertThat(services.get(0).className()).isNotEqualTo(services.get(1).className());
    assertThat(items.get(1).selectFirst(".span-bar").hasClass("svc-0")).isTrue();
    assertThat(items.get(3).selectFirst(".span-bar").hasClass("svc-1")).isTrue();
    // The call starts 10 ms into a 100 ms trace and lasts 50 ms; the error is 30 ms in.
    assertThat(items.get(1).selectFirst(".span-bar").attr("style"))
        .contains("margin-left: 10.00%")
        .contains("width: 50.00%");
    assertThat(items.get(4).selectFirst(".error-mark").attr("style"))
        .contains("margin-left: 30.00%");

    // Rows link to the transaction's page and to the error's group.
    assertThat(items.get(0).selectFirst("a").attr("href"))
        .startsWith("/apps/" + frontend + "/transactions?name=GET%20/checkout");
    assertThat(items.get(4).selectFirst("a").attr("href"))
        .isEqualTo("/apps/" + inventory + "/errors/" + group);
    assertThat(page.getElementById("missing-parents")).isNull();
    assertThat(page.getElementById("truncated")).isNull();
    assertThat(page.getElementById("tail-kept")).isNull();
  }

  /** M15: parts kept by the tail decision are said to be so, and to have no spans. */
  @Test
  void saysWhichPartsTheTailDecisionKept() {
    jdbc.update(
        "UPDATE txn_samples SET kept = 'tail', spans = '[]'::jsonb"
            + " WHERE trace_id = ? AND app_id = ?::uuid",
        trace,
        inventory);
    Element note = browser.page(page(trace)).getElementById("tail-kept");
    assertThat(note).isNotNull();
    assertThat(note.text())
        .contains("One transaction was kept by the tail decision")
        .contains("spans were not kept");
  }

  @Test
  void escapesEveryStoredString() {
    HttpResponse<String> r = browser.get(page(trace));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .doesNotContain(EVIL)
        .doesNotContain("<img src=x")
        .doesNotContain("<b>v2</b>")
        .contains("&lt;script&gt;");
    // Only the layout's own scripts, each from this origin's files: nothing inline.
    Document page = browser.page(page(trace));
    for (Element script : page.select("script")) {
      assertThat(script.attr("src")).startsWith("/");
      assertThat(script.data()).isEmpty();
    }
    assertThat(page.select("[onerror], img, b")).isEmpty();
  }

  @Test
  void saysWhenTheTraceIsPartial() {
    String partial = TraceRows.traceId();
    String caller = TraceRows.spanId();
    rows.transaction(
        inventory, partial, TraceRows.spanId(), caller, "GET /stock", start, 5, null, "[]");
    Document page = browser.page(page(partial));
    Element hint = page.getElementById("missing-parents");
    assertThat(hint).isNotNull();
    assertThat(hint.text()).contains("partial").contains(caller);
    assertThat(page.select("#waterfall > li").eachAttr("data-depth")).containsExactly("0");
  }

  @Test
  void isLinkedFromTheSamplesAndTheErrorsOccurrences() {
    Document transaction =
        browser.page(
            "/apps/"
                + inventory
                + "/transactions?name="
                + PageSession.enc("GET /stock")
                + "&range=1h");
    Element link = transaction.selectFirst("#samples .trace-link a");
    assertThat(link).isNotNull();
    assertThat(link.attr("href")).isEqualTo(page(trace));
    browser.page(link.attr("href"));

    Document error = browser.page("/apps/" + inventory + "/errors/" + group);
    assertThat(error.selectFirst("#occurrences .trace-link").attr("href")).isEqualTo(page(trace));
    assertThat(error.selectFirst("#latest-trace a").attr("href")).isEqualTo(page(trace));
    assertThat(
            api.get(
                    "/api/v1/apps/" + inventory + "/errors/" + group + "/occurrences",
                    owner.apiKey())
                .text("/items/0/trace_id"))
        .isEqualTo(trace);
  }

  @Test
  void answersLikeTheApiForStrangersBadIdsAndUnknownTraces() {
    Account stranger = api.newAccount("Trace Pages Stranger");
    PageSession other = new PageSession(port).login(stranger);
    for (String path : List.of(page(trace), "/orgs/" + UUID.randomUUID() + "/traces/" + trace)) {
      HttpResponse<String> r = other.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).doesNotContain("GET /checkout").doesNotContain("frontend");
    }
    assertThat(browser.get(page("not.a.trace")).statusCode()).isEqualTo(400);
    assertThat(browser.get(page(TraceRows.traceId())).statusCode()).isEqualTo(404);
    HttpResponse<String> anonymous = new PageSession(port).get(page(trace));
    assertThat(anonymous.statusCode()).isEqualTo(302);
  }
}
