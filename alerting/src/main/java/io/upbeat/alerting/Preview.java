package io.upbeat.alerting;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * How often a rule would have fired over past minutes: the evaluator's own readings and state
 * machine replayed from state ok, nothing written. The API's {@code POST .../alert-rules/preview}
 * runs it over the last 7 days. A {@code new_error} rule is replayed from the groups' first
 * sightings ({@link #newErrors}); a {@code regression} rule cannot be: which groups came back when
 * is known only to the rules that were watching.
 */
public final class Preview {
  private Preview() {}

  /**
   * @param fired the firings (notified or not) among {@code events}
   */
  public record Result(int fired, List<AlertRules.Event> events) {}

  /**
   * Replays the minutes [{@code first}, {@code last}] (starts of complete minutes) for a minute
   * rule.
   */
  public static Result run(Connection c, Rule rule, Instant first, Instant last)
      throws SQLException {
    AlertState state = new AlertState(AlertState.Snapshot.OK, rule.cooldownMinutes());
    List<AlertRules.Event> events = new ArrayList<>();
    int fired = 0;
    for (Readings.Reading r :
        Readings.evaluate(
            rule.condition(),
            new PostgresMinutes(c),
            rule.appId(),
            rule.environment(),
            first,
            last)) {
      AlertState.Change change = state.step(r.minute().plus(Duration.ofMinutes(1)), r.breached());
      if (change != null) {
        events.add(AlertEvaluator.event(c, rule, change, r.value()));
        if ("firing".equals(change.state())) {
          fired++;
        }
      }
    }
    return new Result(fired, events);
  }

  /**
   * The firings a {@code new_error} rule would have made from {@code from} (inclusive) to {@code
   * to}: one per group first seen then, in the rule's environment (that of the group's first minute
   * of events), named with its first release, suspect commit and assignee as stored now. Notified
   * or not (the cooldown) they are firings, as the live rule records them.
   */
  public static Result newErrors(Connection c, Rule rule, Instant from, Instant to)
      throws SQLException {
    List<AlertRules.Event> events = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT id, first_seen, first_release, suspect_sha, assignee_email, environment FROM (
              SELECT g.id, g.first_seen, g.first_release, g.suspect_sha, g.assignee_email,
                (SELECT k.environment FROM error_counts_1m k
                 WHERE k.app_id = g.app_id AND k.group_id = g.id
                 ORDER BY k.bucket LIMIT 1) AS environment
              FROM error_groups g
              WHERE g.app_id = ? AND g.first_seen >= ? AND g.first_seen < ?) n
            WHERE ?::text IS NULL OR environment = ?::text
            ORDER BY first_seen, id
            """)) {
      ps.setObject(1, rule.appId());
      ps.setTimestamp(2, Timestamp.from(from));
      ps.setTimestamp(3, Timestamp.from(to));
      ps.setString(4, rule.environment());
      ps.setString(5, rule.environment());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          events.add(
              new AlertRules.Event(
                  UUID.randomUUID(),
                  rule.id(),
                  "firing",
                  rs.getTimestamp(2).toInstant(),
                  null,
                  rs.getString(6),
                  rs.getString(3),
                  rs.getObject(1, UUID.class),
                  rs.getString(4),
                  rs.getString(5),
                  true));
        }
      }
    }
    return new Result(events.size(), events);
  }
}
