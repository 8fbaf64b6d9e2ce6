package io.upbeat.api.alerts;

import io.upbeat.alerting.AlertRules;
import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The alerts page of an app ({@code /apps/{id}/alerts}): its rules with their state and recent
 * events, and (for owners) a form to create or edit one and a button to delete. The form's fields
 * become the API's rule body, so the page and the API accept and refuse exactly the same rules.
 */
@Controller
@RequestMapping("/apps/{appId}/alerts")
class AlertPages {
  private static final String PAGE = "alerts/rules";
  static final int EVENTS_SHOWN = 5;

  private final AccessControl access;
  private final AlertRuleService rules;
  private final JdbcClient jdbc;
  private final JsonMapper json;

  AlertPages(AccessControl access, AlertRuleService rules, JdbcClient jdbc, JsonMapper json) {
    this.access = access;
    this.rules = rules;
    this.jdbc = jdbc;
    this.json = json;
  }

  /** A rule on the page, with its newest events. */
  record Shown(RuleViews.RuleView rule, List<RuleViews.EventView> events) {}

  /**
   * The form's values (strings as typed, to show again when refused).
   *
   * @param ruleId the rule edited, null for a new one
   */
  record Form(
      String ruleId,
      String name,
      String environment,
      String kind,
      String statistic,
      String threshold,
      String minutes,
      String minRequests,
      String transaction,
      List<String> emailTo,
      List<String> webhooks,
      String cooldown,
      List<String> problems) {
    static Form empty() {
      return new Form(
          null, "", "", "latency", "p95", "", "5", "", "", List.of(), List.of(), "0", List.of());
    }
  }

  record Hook(String id, String url) {}

  @GetMapping
  String page(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String edit,
      Model model) {
    AppAccess app = access.app(user, appId);
    Form form = Form.empty();
    if (edit != null && app.owner()) {
      form = rules.find(app.id(), id(edit)).map(AlertPages::formOf).orElse(form);
    }
    show(app, form, model);
    return PAGE;
  }

  @PostMapping
  String save(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(name = "rule_id", required = false) String ruleId,
      @RequestParam(defaultValue = "") String name,
      @RequestParam(defaultValue = "") String environment,
      @RequestParam(defaultValue = "") String kind,
      @RequestParam(defaultValue = "") String statistic,
      @RequestParam(defaultValue = "") String threshold,
      @RequestParam(defaultValue = "") String minutes,
      @RequestParam(name = "min_requests", defaultValue = "") String minRequests,
      @RequestParam(defaultValue = "") String transaction,
      @RequestParam(name = "email_to", required = false) List<String> emailTo,
      @RequestParam(name = "webhooks", required = false) List<String> webhooks,
      @RequestParam(defaultValue = "0") String cooldown,
      HttpServletResponse response,
      Model model) {
    AppAccess app = access.appAsOwner(user, appId);
    Form form =
        new Form(
            ruleId == null || ruleId.isBlank() ? null : ruleId,
            name,
            environment,
            kind,
            statistic,
            threshold,
            minutes,
            minRequests,
            transaction,
            emailTo == null ? List.of() : emailTo,
            webhooks == null ? List.of() : webhooks,
            cooldown,
            List.of());
    List<String> problems = new ArrayList<>();
    try {
      RuleBody body = RuleBody.parse(body(form, problems), null);
      if (problems.isEmpty()) {
        if (form.ruleId() == null) {
          rules.create(user, app, body);
        } else {
          AlertRules.StoredRule before =
              rules
                  .find(app.id(), id(form.ruleId()))
                  .orElseThrow(() -> ApiException.notFound("The alert rule"));
          rules.update(user, app, before.rule(), body);
        }
        return "redirect:/apps/" + app.id() + "/alerts";
      }
    } catch (ApiException e) {
      if (e.code() != ErrorCode.INVALID_PAYLOAD) {
        throw e;
      }
      for (ErrorBody.Detail d : e.details()) {
        problems.add(label(d.field()) + " " + d.problem() + ".");
      }
    }
    response.setStatus(HttpStatus.BAD_REQUEST.value());
    show(
        app,
        new Form(
            form.ruleId(),
            form.name(),
            form.environment(),
            form.kind(),
            form.statistic(),
            form.threshold(),
            form.minutes(),
            form.minRequests(),
            form.transaction(),
            form.emailTo(),
            form.webhooks(),
            form.cooldown(),
            problems),
        model);
    return PAGE;
  }

  @PostMapping("/{ruleId}/delete")
  String delete(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String ruleId) {
    AppAccess app = access.appAsOwner(user, appId);
    rules.delete(user, app, id(ruleId));
    return "redirect:/apps/" + app.id() + "/alerts";
  }

  /** The API body the form stands for; numbers that are no numbers are named here. */
  private ObjectNode body(Form f, List<String> problems) {
    ObjectNode b = json.createObjectNode();
    b.put("name", f.name());
    if (!f.environment().isBlank()) {
      b.put("environment", f.environment().strip());
    }
    ObjectNode c = b.putObject("condition");
    c.put("kind", f.kind());
    switch (f.kind()) {
      case "latency" -> {
        c.put("statistic", f.statistic());
        number(c, "threshold_ms", f.threshold(), "The threshold", problems);
        number(c, "for_minutes", f.minutes(), "The minutes", problems);
        text(c, "transaction", f.transaction());
      }
      case "error_rate" -> {
        number(c, "threshold_percent", f.threshold(), "The threshold", problems);
        number(c, "for_minutes", f.minutes(), "The minutes", problems);
        if (!f.minRequests().isBlank()) {
          number(c, "min_requests", f.minRequests(), "The minimum of requests", problems);
        }
      }
      case "throughput_below" -> {
        number(c, "rpm", f.threshold(), "The threshold", problems);
        number(c, "for_minutes", f.minutes(), "The minutes", problems);
        text(c, "transaction", f.transaction());
      }
      case "error_count" -> {
        number(c, "threshold", f.threshold(), "The threshold", problems);
        number(c, "window_minutes", f.minutes(), "The minutes", problems);
      }
      default -> {}
    }
    ArrayNode actions = b.putArray("actions");
    List<String> to = f.emailTo().stream().filter(s -> !s.isBlank()).toList();
    if (!to.isEmpty()) {
      ObjectNode email = actions.addObject();
      email.put("kind", "email");
      ArrayNode list = email.putArray("to");
      to.forEach(list::add);
    }
    for (String hook : f.webhooks()) {
      ObjectNode w = actions.addObject();
      w.put("kind", "webhook");
      w.put("webhook_id", hook);
    }
    number(
        b,
        "cooldown_minutes",
        f.cooldown().isBlank() ? "0" : f.cooldown(),
        "The cooldown",
        problems);
    return b;
  }

  private static void number(
      ObjectNode into, String field, String value, String label, List<String> problems) {
    try {
      java.math.BigDecimal d = new java.math.BigDecimal(value.strip());
      if (d.scale() <= 0
          && d.abs().compareTo(java.math.BigDecimal.valueOf(1_000_000_000_000L)) < 0) {
        into.put(field, d.longValueExact());
      } else {
        into.put(field, d.doubleValue());
      }
    } catch (NumberFormatException | ArithmeticException e) {
      problems.add(label + " must be a number.");
    }
  }

  private static void text(ObjectNode into, String field, String value) {
    if (!value.isBlank()) {
      into.put(field, value.strip());
    }
  }

  private static String label(String field) {
    return switch (field) {
      case "name" -> "The name";
      case "environment" -> "The environment";
      case "cooldown_minutes" -> "The cooldown";
      case "condition.kind" -> "The condition";
      case "condition.statistic" -> "The statistic";
      case "condition.transaction" -> "The transaction";
      case "condition.min_requests" -> "The minimum of requests";
      case "condition.for_minutes", "condition.window_minutes" -> "The minutes";
      default ->
          field.startsWith("condition.")
              ? "The threshold"
              : field.startsWith("actions") ? "A recipient or webhook" : "The field " + field;
    };
  }

  private static Form formOf(AlertRules.StoredRule s) {
    RuleViews.RuleView v = RuleViews.of(s);
    Map<String, Object> c = v.condition();
    String threshold = first(c, "threshold_ms", "threshold_percent", "rpm", "threshold");
    String minutes = first(c, "for_minutes", "window_minutes");
    return new Form(
        v.id().toString(),
        v.name(),
        v.environment() == null ? "" : v.environment(),
        (String) c.get("kind"),
        c.get("statistic") == null ? "p95" : (String) c.get("statistic"),
        threshold,
        minutes,
        c.get("min_requests") == null ? "" : String.valueOf(c.get("min_requests")),
        c.get("transaction") == null ? "" : (String) c.get("transaction"),
        s.rule().emailTo(),
        s.rule().webhookIds().stream().map(UUID::toString).toList(),
        String.valueOf(v.cooldownMinutes()),
        List.of());
  }

  private static String first(Map<String, Object> c, String... keys) {
    for (String k : keys) {
      Object v = c.get(k);
      if (v instanceof Double d) {
        return d == Math.rint(d) ? Long.toString(d.longValue()) : d.toString();
      }
      if (v != null) {
        return String.valueOf(v);
      }
    }
    return "";
  }

  private void show(AppAccess app, Form form, Model model) {
    List<Shown> shown = new ArrayList<>();
    for (AlertRules.StoredRule r : rules.list(app.id())) {
      shown.add(
          new Shown(
              RuleViews.of(r),
              rules.events(app.id(), r.rule().id(), EVENTS_SHOWN).stream()
                  .map(RuleViews::of)
                  .toList()));
    }
    Map<String, String> members = new LinkedHashMap<>();
    jdbc.sql(
            """
            SELECT lower(u.email) FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.org_id = :org ORDER BY lower(u.email)
            """)
        .param("org", app.orgId())
        .query(String.class)
        .list()
        .forEach(e -> members.put(e, e));
    List<Hook> hooks =
        jdbc.sql(
                "SELECT id, url FROM webhooks WHERE app_id = :app AND deleted_at IS NULL"
                    + " ORDER BY created_at")
            .param("app", app.id())
            .query((rs, n) -> new Hook(rs.getString(1), rs.getString(2)))
            .list();
    model.addAttribute("app", app);
    model.addAttribute("rules", shown);
    model.addAttribute("form", form);
    model.addAttribute("members", new ArrayList<>(members.keySet()));
    model.addAttribute("hooks", hooks);
    model.addAttribute(
        "kinds",
        Arrays.asList(
            "latency", "error_rate", "throughput_below", "error_count", "new_error", "regression"));
    model.addAttribute("statistics", List.of("avg", "p50", "p95", "p99"));
  }

  private static UUID id(String s) {
    try {
      if (s.length() == 36) {
        return UUID.fromString(s);
      }
    } catch (IllegalArgumentException e) {
      // as absent as a rule that never existed
    }
    throw ApiException.notFound("The alert rule");
  }
}
