package io.upbeat.alerting;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * What an alert names besides its value: the release, and for error rules the group behind it with
 * its suspect commit and assignee.
 */
final class Context {
  private Context() {}

  /**
   * @param groupId null when no group is behind the alert
   */
  record Details(String release, UUID groupId, String suspectSha, String assigneeEmail) {
    static final Details NONE = new Details(null, null, null, null);
  }

  static Details of(Connection c, Rule rule, Instant at) throws SQLException {
    if (rule.condition() instanceof Condition.ErrorCount e) {
      return errors(c, rule, e, at);
    }
    return new Details(latestRelease(c, rule.appId(), rule.environment(), at), null, null, null);
  }

  /** The app's newest release deployed by {@code at} (in the rule's environment if it has one). */
  static String latestRelease(Connection c, UUID app, String environment, Instant at)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT version FROM releases WHERE app_id = ? AND deployed_at <= ?"
                + (environment == null ? "" : " AND environment = ?")
                + " ORDER BY deployed_at DESC, version DESC LIMIT 1")) {
      ps.setObject(1, app);
      ps.setTimestamp(2, Timestamp.from(at));
      if (environment != null) {
        ps.setString(3, environment);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /**
   * The group with the most errors in the window (the rule's own group if it names one), and the
   * release most of them came with.
   */
  private static Details errors(Connection c, Rule rule, Condition.ErrorCount e, Instant at)
      throws SQLException {
    Instant from = at.minus(Duration.ofMinutes(e.windowMinutes()));
    String filter =
        " WHERE k.app_id = ? AND k.bucket >= ? AND k.bucket < ?"
            + (e.groupId() == null ? "" : " AND k.group_id = ?")
            + (rule.environment() == null ? "" : " AND k.environment = ?");
    UUID group = e.groupId();
    String release = null;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT k.group_id, sum(k.count) FROM error_counts_1m k"
                + filter
                + " GROUP BY k.group_id ORDER BY sum(k.count) DESC, k.group_id LIMIT 1")) {
      bind(ps, rule, e, from, at);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          group = rs.getObject(1, UUID.class);
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT k.release, sum(k.count) FROM error_counts_1m k"
                + filter
                + " AND k.release <> '' GROUP BY k.release"
                + " ORDER BY sum(k.count) DESC, k.release LIMIT 1")) {
      bind(ps, rule, e, from, at);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          release = rs.getString(1);
        }
      }
    }
    if (release == null) {
      release = latestRelease(c, rule.appId(), rule.environment(), at);
    }
    if (group == null) {
      return new Details(release, null, null, null);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT suspect_sha, assignee_email FROM error_groups WHERE id = ? AND app_id = ?")) {
      ps.setObject(1, group);
      ps.setObject(2, rule.appId());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return new Details(release, group, rs.getString(1), rs.getString(2));
        }
      }
    }
    return new Details(release, group, null, null);
  }

  private static void bind(
      PreparedStatement ps, Rule rule, Condition.ErrorCount e, Instant from, Instant to)
      throws SQLException {
    int i = 1;
    ps.setObject(i++, rule.appId());
    ps.setTimestamp(i++, Timestamp.from(from));
    ps.setTimestamp(i++, Timestamp.from(to));
    if (e.groupId() != null) {
      ps.setObject(i++, e.groupId());
    }
    if (rule.environment() != null) {
      ps.setString(i, rule.environment());
    }
  }
}
