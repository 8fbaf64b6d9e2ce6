package io.upbeat.alerting;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How often a rule would have fired over past minutes: the evaluator's own readings and state
 * machine replayed from state ok, nothing written. The API's {@code POST .../alert-rules/preview}
 * runs it over the last 7 days.
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
}
