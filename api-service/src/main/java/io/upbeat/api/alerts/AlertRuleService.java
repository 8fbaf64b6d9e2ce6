package io.upbeat.api.alerts;

import io.upbeat.alerting.AlertRules;
import io.upbeat.alerting.Condition;
import io.upbeat.alerting.Preview;
import io.upbeat.alerting.Rule;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Alert rules of an app: stored through {@link AlertRules} (the one owner of their rows), checked
 * against the app's org and webhooks, audited in the change's transaction; and the preview, which
 * replays the processor's evaluator over the last 7 days.
 */
@Service
class AlertRuleService {
  static final int MAX_RULES_PER_APP = 100;
  static final Duration PREVIEW = Duration.ofDays(7);

  /** The evaluator's default grace: the preview ends where a live evaluation would have. */
  static final Duration GRACE = Duration.ofSeconds(15);

  private final JdbcTemplate template;
  private final JdbcClient jdbc;
  private final AuditLog audit;
  private final Clock clock;

  AlertRuleService(JdbcTemplate template, JdbcClient jdbc, AuditLog audit, Clock clock) {
    this.template = template;
    this.jdbc = jdbc;
    this.audit = audit;
    this.clock = clock;
  }

  List<AlertRules.StoredRule> list(UUID app) {
    return template.execute(
        (ConnectionCallback<List<AlertRules.StoredRule>>) c -> AlertRules.list(c, app));
  }

  Optional<AlertRules.StoredRule> find(UUID app, UUID id) {
    return template.execute(
        (ConnectionCallback<Optional<AlertRules.StoredRule>>) c -> AlertRules.find(c, app, id));
  }

  List<AlertRules.Event> events(UUID app, UUID id, int limit) {
    find(app, id).orElseThrow(() -> ApiException.notFound("The alert rule"));
    return template.execute(
        (ConnectionCallback<List<AlertRules.Event>>) c -> AlertRules.events(c, id, limit));
  }

  @Transactional
  AlertRules.StoredRule create(Object actor, AppAccess app, RuleBody body) {
    check(app, body);
    int existing =
        jdbc.sql("SELECT count(*) FROM alert_rules WHERE app_id = :app")
            .param("app", app.id())
            .query(Integer.class)
            .single();
    if (existing >= MAX_RULES_PER_APP) {
      throw new ApiException(
          ErrorCode.CONFLICT, "An app has at most " + MAX_RULES_PER_APP + " alert rules.");
    }
    Rule rule = rule(UUID.randomUUID(), app, body, false);
    template.execute(
        (ConnectionCallback<Void>)
            c -> {
              AlertRules.insert(c, rule);
              return null;
            });
    audit.org(actor, app.orgId(), AuditAction.ALERT_RULE_CREATED, target(app, rule.name()));
    return find(app.id(), rule.id()).orElseThrow();
  }

  /**
   * Replaces the rule with {@code body} (the stored rule with the patch's fields over it). A new
   * condition or environment restarts its evaluation from state ok.
   */
  @Transactional
  AlertRules.StoredRule update(Object actor, AppAccess app, Rule before, RuleBody body) {
    check(app, body);
    Rule rule = rule(before.id(), app, body, before.isDefault());
    boolean restart =
        !rule.condition().equals(before.condition())
            || !java.util.Objects.equals(rule.environment(), before.environment());
    Boolean found =
        template.execute((ConnectionCallback<Boolean>) c -> AlertRules.update(c, rule, restart));
    if (!Boolean.TRUE.equals(found)) {
      throw ApiException.notFound("The alert rule");
    }
    audit.org(actor, app.orgId(), AuditAction.ALERT_RULE_CHANGED, target(app, rule.name()));
    return find(app.id(), rule.id()).orElseThrow();
  }

  @Transactional
  void delete(Object actor, AppAccess app, UUID id) {
    AlertRules.StoredRule rule =
        find(app.id(), id).orElseThrow(() -> ApiException.notFound("The alert rule"));
    template.execute((ConnectionCallback<Boolean>) c -> AlertRules.delete(c, app.id(), id));
    audit.org(actor, app.orgId(), AuditAction.ALERT_RULE_DELETED, target(app, rule.rule().name()));
  }

  /** How often the rule would have fired over the last 7 days of complete minutes. */
  @Transactional(readOnly = true)
  RuleViews.PreviewView preview(AppAccess app, RuleBody body) {
    boolean newError = body.condition() instanceof Condition.NewError;
    if (!body.condition().minutely() && !newError) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "A regression rule cannot be previewed: which groups came back when is kept only by the"
              + " rules that watched for it.",
          List.of(
              new Detail(
                  "condition.kind",
                  "must be new_error, error_count, latency, error_rate or throughput_below to"
                      + " preview")));
    }
    check(app, body);
    Rule rule = rule(UUID.randomUUID(), app, body, false);
    Instant last =
        clock.instant().minus(GRACE).truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1));
    Instant first = last.minus(PREVIEW).plus(Duration.ofMinutes(1));
    Preview.Result r =
        template.execute(
            (ConnectionCallback<Preview.Result>)
                c ->
                    newError
                        ? Preview.newErrors(c, rule, first, last.plus(Duration.ofMinutes(1)))
                        : Preview.run(c, rule, first, last));
    return new RuleViews.PreviewView(
        r.fired(),
        first,
        last.plus(Duration.ofMinutes(1)),
        r.events().stream().map(RuleViews::of).toList());
  }

  private static Rule rule(UUID id, AppAccess app, RuleBody b, boolean isDefault) {
    return new Rule(
        id,
        app.id(),
        b.name(),
        b.environment(),
        b.condition(),
        b.emailTo(),
        b.webhookIds(),
        b.cooldownMinutes(),
        isDefault);
  }

  /**
   * E-mail actions go only to members of the app's org; webhooks and groups must be the app's.
   *
   * @throws ApiException 400 naming each field that points elsewhere
   */
  private void check(AppAccess app, RuleBody body) {
    List<Detail> problems = new ArrayList<>();
    if (!body.emailTo().isEmpty()) {
      Set<String> members =
          new HashSet<>(
              jdbc.sql(
                      """
                      SELECT lower(u.email) FROM memberships m JOIN users u ON u.id = m.user_id
                      WHERE m.org_id = :org AND lower(u.email) IN (:emails)
                      """)
                  .param("org", app.orgId())
                  .param("emails", body.emailTo())
                  .query(String.class)
                  .list());
      for (String to : body.emailTo()) {
        if (!members.contains(to)) {
          problems.add(
              new Detail("actions.to", "is not a member of the app's organization: " + to));
        }
      }
    }
    if (!body.webhookIds().isEmpty()) {
      Set<UUID> hooks =
          new HashSet<>(
              jdbc.sql(
                      "SELECT id FROM webhooks WHERE app_id = :app AND deleted_at IS NULL"
                          + " AND id IN (:ids)")
                  .param("app", app.id())
                  .param("ids", body.webhookIds())
                  .query(UUID.class)
                  .list());
      for (UUID hook : body.webhookIds()) {
        if (!hooks.contains(hook)) {
          problems.add(new Detail("actions.webhook_id", "is not a webhook of this app: " + hook));
        }
      }
    }
    if (body.condition() instanceof Condition.ErrorCount e && e.groupId() != null) {
      boolean ours =
          jdbc.sql("SELECT EXISTS (SELECT 1 FROM error_groups WHERE id = :id AND app_id = :app)")
              .param("id", e.groupId())
              .param("app", app.id())
              .query(Boolean.class)
              .single();
      if (!ours) {
        problems.add(new Detail("condition.group_id", "is not an error group of this app"));
      }
    }
    if (!problems.isEmpty()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          problems.size() == 1
              ? "The field " + problems.getFirst().field() + " is invalid."
              : "Fields of the rule are invalid.",
          problems);
    }
  }

  private static String target(AppAccess app, String rule) {
    return app.name() + ": " + rule;
  }
}
