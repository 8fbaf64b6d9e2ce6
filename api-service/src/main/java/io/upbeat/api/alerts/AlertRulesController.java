package io.upbeat.api.alerts;

import io.upbeat.alerting.AlertRules;
import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.params.Problems;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An app's alert rules: members read them and their events and may preview a rule; owners create,
 * change and delete them (audited). Every endpoint resolves the app through {@link AccessControl}
 * first, so another tenant's app and its rules are 404.
 */
@RestController
@RequestMapping(
    path = "/api/v1/apps/{appId}/alert-rules",
    produces = MediaType.APPLICATION_JSON_VALUE)
class AlertRulesController {
  static final int DEFAULT_EVENTS = 50;
  static final int MAX_EVENTS = 500;

  private final AccessControl access;
  private final AlertRuleService rules;
  private final JsonMapper json;

  AlertRulesController(AccessControl access, AlertRuleService rules, JsonMapper json) {
    this.access = access;
    this.rules = rules;
    this.json = json;
  }

  @GetMapping
  RuleViews.RuleList list(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId) {
    UUID app = access.app(user, appId).id();
    return new RuleViews.RuleList(rules.list(app).stream().map(RuleViews::of).toList());
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  RuleViews.RuleView create(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestBody JsonNode body) {
    AppAccess app = access.appAsOwner(user, appId);
    return RuleViews.of(rules.create(user, app, RuleBody.parse(body, null)));
  }

  /** Not under {@code /{ruleId}}: "preview" is no rule id. */
  @PostMapping(path = "/preview", consumes = MediaType.APPLICATION_JSON_VALUE)
  RuleViews.PreviewView preview(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestBody JsonNode body) {
    AppAccess app = access.app(user, appId);
    return rules.preview(app, RuleBody.parse(body, "Preview"));
  }

  @GetMapping("/{ruleId}")
  RuleViews.RuleView get(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String ruleId) {
    UUID app = access.app(user, appId).id();
    return RuleViews.of(rules.find(app, id(ruleId)).orElseThrow(AlertRulesController::notFound));
  }

  /**
   * Changes the fields given ({@code name}, {@code environment} (null: every environment), {@code
   * condition}, {@code actions}, {@code cooldown_minutes}); each is replaced whole.
   */
  @PatchMapping(path = "/{ruleId}", consumes = MediaType.APPLICATION_JSON_VALUE)
  RuleViews.RuleView patch(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String ruleId,
      @RequestBody JsonNode body) {
    AppAccess app = access.appAsOwner(user, appId);
    AlertRules.StoredRule before =
        rules.find(app.id(), id(ruleId)).orElseThrow(AlertRulesController::notFound);
    if (body == null || !body.isObject()) {
      RuleBody.parse(body, null); // the 400 for a body that is no object
    }
    ObjectNode merged = json.valueToTree(RuleViews.of(before));
    for (String field :
        List.of("name", "environment", "condition", "actions", "cooldown_minutes")) {
      if (body.has(field)) {
        merged.set(field, body.get(field));
      }
    }
    return RuleViews.of(rules.update(user, app, before.rule(), RuleBody.parse(merged, null)));
  }

  @DeleteMapping("/{ruleId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String ruleId) {
    AppAccess app = access.appAsOwner(user, appId);
    rules.delete(user, app, id(ruleId));
  }

  /** The rule's state changes, newest first. */
  @GetMapping("/{ruleId}/events")
  RuleViews.EventList events(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String ruleId,
      @RequestParam(required = false) String limit) {
    UUID app = access.app(user, appId).id();
    UUID id = id(ruleId);
    Problems problems = new Problems();
    int n = problems.integer("limit", limit, 1, MAX_EVENTS, DEFAULT_EVENTS);
    problems.throwIfAny();
    return new RuleViews.EventList(rules.events(app, id, n).stream().map(RuleViews::of).toList());
  }

  private static UUID id(String ruleId) {
    try {
      if (ruleId.length() == 36) {
        return UUID.fromString(ruleId);
      }
    } catch (IllegalArgumentException e) {
      // not an id: as absent as a rule that never existed
    }
    throw notFound();
  }

  private static ApiException notFound() {
    return ApiException.notFound("The alert rule");
  }
}
