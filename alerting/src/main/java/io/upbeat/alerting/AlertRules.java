package io.upbeat.alerting;

import io.upbeat.metrics.Statistic;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code alert_rules} and {@code alert_events} rows: the only code that maps them, used by
 * api-service (the API and pages) and by the processor (the evaluator, triage). Every method runs
 * on the caller's connection, inside the caller's transaction.
 */
public final class AlertRules {
  private AlertRules() {}

  /** A rule with its evaluation state, as the API shows it. */
  public record StoredRule(
      Rule rule, boolean firing, Instant stateSince, Instant createdAt, Instant updatedAt) {}

  /** One state change of a rule, as recorded and as the API shows it. */
  public record Event(
      UUID id,
      UUID ruleId,
      String state,
      Instant at,
      Double value,
      String environment,
      String release,
      UUID groupId,
      String suspectSha,
      String assigneeEmail,
      boolean notified) {}

  static final String RULE_COLUMNS =
      """
      id, app_id, name, environment, kind, statistic, threshold, window_minutes, for_minutes,
      min_requests, transaction_name, group_id, email_to, webhook_ids, cooldown_minutes, is_default,
      state, state_since, created_at, updated_at, next_minute, last_notified_at, episode_notified
      """;

  /** Adds a rule; its first minute evaluated is the current one (once complete). */
  public static void insert(Connection c, Rule r) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO alert_rules (name, environment, kind, statistic, threshold, window_minutes,
              for_minutes, min_requests, transaction_name, group_id, email_to, webhook_ids,
              cooldown_minutes, is_default, id, app_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)) {
      bind(c, ps, r);
      ps.setObject(15, r.id());
      ps.setObject(16, r.appId());
      ps.executeUpdate();
    }
  }

  /**
   * Replaces a rule's definition. A changed condition or environment starts it afresh: state ok,
   * evaluated from the current minute (what it measured before no longer applies).
   *
   * @return false when the rule is gone
   */
  public static boolean update(Connection c, Rule r, boolean restart) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE alert_rules SET name = ?, environment = ?, kind = ?, statistic = ?,
              threshold = ?, window_minutes = ?, for_minutes = ?, min_requests = ?,
              transaction_name = ?, group_id = ?, email_to = ?, webhook_ids = ?,
              cooldown_minutes = ?, is_default = ?, updated_at = now(),
              state = CASE WHEN ? THEN 'ok' ELSE state END,
              state_since = CASE WHEN ? THEN NULL ELSE state_since END,
              episode_notified = CASE WHEN ? THEN false ELSE episode_notified END,
              next_minute = CASE WHEN ? THEN date_trunc('minute', now()) ELSE next_minute END
            WHERE id = ? AND app_id = ?
            """)) {
      bind(c, ps, r);
      for (int i = 15; i <= 18; i++) {
        ps.setBoolean(i, restart);
      }
      ps.setObject(19, r.id());
      ps.setObject(20, r.appId());
      return ps.executeUpdate() == 1;
    }
  }

  private static void bind(Connection c, PreparedStatement ps, Rule r) throws SQLException {
    ps.setString(1, r.name());
    ps.setString(2, r.environment());
    ps.setString(3, r.condition().kind());
    String statistic = null;
    Double threshold = null;
    Integer window = null;
    Integer forMinutes = null;
    Long minRequests = null;
    String transaction = null;
    UUID group = null;
    switch (r.condition()) {
      case Condition.NewError n -> {}
      case Condition.Regression g -> {}
      case Condition.ErrorCount e -> {
        threshold = e.threshold();
        window = e.windowMinutes();
        group = e.groupId();
      }
      case Condition.Latency l -> {
        statistic = l.statistic().code();
        threshold = l.thresholdMs();
        forMinutes = l.forMinutes();
        transaction = l.transaction();
      }
      case Condition.ErrorRate e -> {
        threshold = e.thresholdPercent();
        forMinutes = e.forMinutes();
        minRequests = e.minRequests();
      }
      case Condition.ThroughputBelow t -> {
        threshold = t.rpm();
        forMinutes = t.forMinutes();
        transaction = t.transaction();
      }
    }
    ps.setString(4, statistic);
    ps.setObject(5, threshold, Types.DOUBLE);
    ps.setObject(6, window, Types.INTEGER);
    ps.setObject(7, forMinutes, Types.INTEGER);
    ps.setObject(8, minRequests, Types.BIGINT);
    ps.setString(9, transaction);
    ps.setObject(10, group);
    ps.setArray(11, c.createArrayOf("text", r.emailTo().toArray()));
    ps.setArray(12, c.createArrayOf("uuid", r.webhookIds().toArray()));
    ps.setInt(13, r.cooldownMinutes());
    ps.setBoolean(14, r.isDefault());
  }

  /**
   * @return false when the rule was not there
   */
  public static boolean delete(Connection c, UUID app, UUID id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM alert_rules WHERE id = ? AND app_id = ?")) {
      ps.setObject(1, id);
      ps.setObject(2, app);
      return ps.executeUpdate() == 1;
    }
  }

  public static Optional<StoredRule> find(Connection c, UUID app, UUID id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + RULE_COLUMNS + " FROM alert_rules WHERE id = ? AND app_id = ?")) {
      ps.setObject(1, id);
      ps.setObject(2, app);
      List<StoredRule> found = read(ps);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }
  }

  /** An app's rules, oldest first. */
  public static List<StoredRule> list(Connection c, UUID app) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + RULE_COLUMNS
                + " FROM alert_rules WHERE app_id = ? ORDER BY created_at, name, id")) {
      ps.setObject(1, app);
      return read(ps);
    }
  }

  /** An app's rules of one kind (for triage: new_error, regression). */
  public static List<Rule> ofKind(Connection c, UUID app, String kind) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + RULE_COLUMNS
                + " FROM alert_rules WHERE app_id = ? AND kind = ? ORDER BY created_at, id")) {
      ps.setObject(1, app);
      ps.setString(2, kind);
      return read(ps).stream().map(StoredRule::rule).toList();
    }
  }

  /** The rules every new app starts with: new errors and regressions, notified as before. */
  public static void insertDefaults(Connection c, UUID app) throws SQLException {
    for (Condition condition : List.of(new Condition.NewError(), new Condition.Regression())) {
      insert(
          c,
          new Rule(
              UUID.randomUUID(),
              app,
              condition instanceof Condition.NewError ? "New error" : "Regression",
              null,
              condition,
              List.of(),
              List.of(),
              0,
              true));
    }
  }

  static List<StoredRule> read(PreparedStatement ps) throws SQLException {
    List<StoredRule> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new StoredRule(
                rule(rs),
                "firing".equals(rs.getString(17)),
                instant(rs.getTimestamp(18)),
                instant(rs.getTimestamp(19)),
                instant(rs.getTimestamp(20))));
      }
    }
    return out;
  }

  /** The rule of a row selected with {@link #RULE_COLUMNS}. */
  static Rule rule(ResultSet rs) throws SQLException {
    String kind = rs.getString(5);
    double threshold = rs.getDouble(7);
    int window = rs.getInt(8);
    int forMinutes = rs.getInt(9);
    long minRequests = rs.getLong(10);
    String transaction = rs.getString(11);
    UUID group = rs.getObject(12, UUID.class);
    Condition condition =
        switch (kind) {
          case "new_error" -> new Condition.NewError();
          case "regression" -> new Condition.Regression();
          case "error_count" -> new Condition.ErrorCount(threshold, window, group);
          case "latency" ->
              new Condition.Latency(
                  Statistic.of(rs.getString(6)), threshold, forMinutes, transaction);
          case "error_rate" -> new Condition.ErrorRate(threshold, forMinutes, minRequests);
          case "throughput_below" ->
              new Condition.ThroughputBelow(threshold, forMinutes, transaction);
          default -> throw new IllegalStateException("unknown stored rule kind " + kind);
        };
    return new Rule(
        rs.getObject(1, UUID.class),
        rs.getObject(2, UUID.class),
        rs.getString(3),
        rs.getString(4),
        condition,
        Arrays.asList((String[]) array(rs.getArray(13))),
        Arrays.asList((UUID[]) array(rs.getArray(14))),
        rs.getInt(15),
        rs.getBoolean(16));
  }

  private static Object[] array(Array a) throws SQLException {
    return (Object[]) a.getArray();
  }

  /** Records a state change of a rule. */
  public static void insertEvent(Connection c, UUID app, Event e, UUID notification)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO alert_events (id, rule_id, app_id, state, at, value, environment, release,
              group_id, suspect_sha, assignee_email, notified, notification_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)) {
      ps.setObject(1, e.id());
      ps.setObject(2, e.ruleId());
      ps.setObject(3, app);
      ps.setString(4, e.state());
      ps.setTimestamp(5, Timestamp.from(e.at()));
      ps.setObject(6, e.value(), Types.DOUBLE);
      ps.setString(7, e.environment());
      ps.setString(8, e.release());
      ps.setObject(9, e.groupId());
      ps.setString(10, e.suspectSha());
      ps.setString(11, e.assigneeEmail());
      ps.setBoolean(12, e.notified());
      ps.setObject(13, notification);
      ps.executeUpdate();
    }
  }

  /** A rule's events, newest first, at most {@code limit}. */
  public static List<Event> events(Connection c, UUID rule, int limit) throws SQLException {
    List<Event> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT id, rule_id, state, at, value, environment, release, group_id, suspect_sha,
              assignee_email, notified
            FROM alert_events WHERE rule_id = ? ORDER BY at DESC, state LIMIT ?
            """)) {
      ps.setObject(1, rule);
      ps.setInt(2, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          double v = rs.getDouble(5);
          boolean noValue = rs.wasNull();
          out.add(
              new Event(
                  rs.getObject(1, UUID.class),
                  rs.getObject(2, UUID.class),
                  rs.getString(3),
                  rs.getTimestamp(4).toInstant(),
                  noValue ? null : v,
                  rs.getString(6),
                  rs.getString(7),
                  rs.getObject(8, UUID.class),
                  rs.getString(9),
                  rs.getString(10),
                  rs.getBoolean(11)));
        }
      }
    }
    return out;
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
