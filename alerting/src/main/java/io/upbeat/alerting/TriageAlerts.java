package io.upbeat.alerting;

import io.upbeat.storage.notify.NotificationOutbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/**
 * New-error and regression rules, decided by the processor's triage as a group appears or comes
 * back (in the errors pipeline's transaction): each of the app's rules of that kind whose
 * environment matches records a firing event naming the group, its release, suspect commit and
 * assignee, and notifies its actions unless it notified within its cooldown. A default rule nobody
 * has given actions yet asks for the notification of before rules existed instead (the assignee or
 * the org's owners, and the webhooks subscribed to the kind). No rule of the kind: nobody is told.
 */
public final class TriageAlerts {
  private TriageAlerts() {}

  /**
   * What triage saw.
   *
   * @param at the newest event's time
   * @param release the newest event's release, null if none
   */
  public record Occurrence(
      UUID groupId, Instant at, String environment, String release, String assigneeEmail) {}

  /**
   * Fires the app's rules of {@code kind} ({@code new_error} or {@code regression}) for one group.
   *
   * @return whether a default rule wants the notification of before (the caller writes it)
   */
  public static boolean fire(Connection c, UUID app, String kind, Occurrence o)
      throws SQLException {
    boolean asBefore = false;
    String suspect = null;
    boolean suspectRead = false;
    for (Rule rule : AlertRules.ofKind(c, app, kind)) {
      if (rule.environment() != null && !rule.environment().equals(o.environment())) {
        continue;
      }
      if (rule.actsAsBefore()) {
        asBefore = true;
        continue;
      }
      if (!suspectRead) {
        suspect = suspectSha(c, o.groupId());
        suspectRead = true;
      }
      boolean notify = outsideCooldown(c, rule, o.at());
      AlertRules.Event e =
          new AlertRules.Event(
              UUID.randomUUID(),
              rule.id(),
              "firing",
              o.at(),
              null,
              o.environment(),
              o.release(),
              o.groupId(),
              suspect,
              o.assigneeEmail(),
              notify);
      UUID notification = null;
      if (notify) {
        notification = NotificationOutbox.insertAlert(c, app, AlertEvaluator.payload(rule, e));
      }
      AlertRules.insertEvent(c, app, e, notification);
    }
    return asBefore;
  }

  /** Marks the rule notified at {@code at} unless it was, less than its cooldown before. */
  private static boolean outsideCooldown(Connection c, Rule rule, Instant at) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE alert_rules SET last_notified_at = ?
            WHERE id = ? AND (last_notified_at IS NULL
              OR last_notified_at + make_interval(mins => cooldown_minutes) <= ?)
            """)) {
      ps.setTimestamp(1, Timestamp.from(at));
      ps.setObject(2, rule.id());
      ps.setTimestamp(3, Timestamp.from(at));
      return ps.executeUpdate() == 1;
    }
  }

  private static String suspectSha(Connection c, UUID group) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT suspect_sha FROM error_groups WHERE id = ?")) {
      ps.setObject(1, group);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
