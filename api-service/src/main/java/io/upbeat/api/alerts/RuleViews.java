package io.upbeat.api.alerts;

import io.upbeat.alerting.AlertRules;
import io.upbeat.alerting.Condition;
import io.upbeat.alerting.Rule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The alert-rule API's response bodies (snake_case on the wire). */
final class RuleViews {
  private RuleViews() {}

  /** A rule as {@code GET} answers and a body {@code PATCH} accepts back. */
  record RuleView(
      UUID id,
      String name,
      String environment,
      Map<String, Object> condition,
      List<Map<String, Object>> actions,
      int cooldownMinutes,
      boolean isDefault,
      String state,
      Instant stateSince,
      Instant createdAt,
      Instant updatedAt) {}

  record RuleList(List<RuleView> items) {}

  /**
   * One state change: {@code state}, {@code at}, {@code value}, {@code release}, and for error
   * rules the group with its suspect commit and assignee; the same as the e-mail and webhook carry.
   */
  record EventView(
      UUID id,
      UUID ruleId,
      String state,
      Instant at,
      Double value,
      String environment,
      String release,
      UUID groupId,
      String suspectCommit,
      String assignee,
      boolean notified) {}

  record EventList(List<EventView> items) {}

  record PreviewView(int fired, Instant from, Instant to, List<EventView> events) {}

  static RuleView of(AlertRules.StoredRule s) {
    Rule r = s.rule();
    return new RuleView(
        r.id(),
        r.name(),
        r.environment(),
        condition(r.condition()),
        actions(r),
        r.cooldownMinutes(),
        r.isDefault(),
        s.firing() ? "firing" : "ok",
        s.stateSince(),
        s.createdAt(),
        s.updatedAt());
  }

  static EventView of(AlertRules.Event e) {
    return new EventView(
        e.id(),
        e.ruleId(),
        e.state(),
        e.at(),
        e.value(),
        e.environment(),
        e.release(),
        e.groupId(),
        e.suspectSha(),
        e.assigneeEmail(),
        e.notified());
  }

  static Map<String, Object> condition(Condition c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", c.kind());
    switch (c) {
      case Condition.NewError n -> {}
      case Condition.Regression g -> {}
      case Condition.ErrorCount e -> {
        m.put("threshold", e.threshold());
        m.put("window_minutes", e.windowMinutes());
        m.put("group_id", e.groupId());
      }
      case Condition.Latency l -> {
        m.put("statistic", l.statistic().code());
        m.put("threshold_ms", l.thresholdMs());
        m.put("for_minutes", l.forMinutes());
        m.put("transaction", l.transaction());
      }
      case Condition.ErrorRate r -> {
        m.put("threshold_percent", r.thresholdPercent());
        m.put("for_minutes", r.forMinutes());
        m.put("min_requests", r.minRequests());
      }
      case Condition.ThroughputBelow t -> {
        m.put("rpm", t.rpm());
        m.put("for_minutes", t.forMinutes());
        m.put("transaction", t.transaction());
      }
    }
    m.put("description", c.describe());
    return m;
  }

  static List<Map<String, Object>> actions(Rule r) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (!r.emailTo().isEmpty()) {
      Map<String, Object> email = new LinkedHashMap<>();
      email.put("kind", "email");
      email.put("to", r.emailTo());
      out.add(email);
    }
    for (UUID hook : r.webhookIds()) {
      Map<String, Object> w = new LinkedHashMap<>();
      w.put("kind", "webhook");
      w.put("webhook_id", hook);
      out.add(w);
    }
    return out;
  }
}
