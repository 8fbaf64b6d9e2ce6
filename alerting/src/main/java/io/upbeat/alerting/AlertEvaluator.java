package io.upbeat.alerting;

import io.upbeat.storage.notify.AlertPayload;
import io.upbeat.storage.notify.NotificationOutbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import javax.sql.DataSource;

/**
 * Evaluates the minute rules of every app, fenced so that any number of processors share the work
 * and each (rule, minute) is evaluated exactly once, across restarts too: a rule is claimed with
 * {@code FOR UPDATE SKIP LOCKED} (another instance takes another rule), its due minutes are
 * evaluated, and the state change, its event, its outbox row and the rule's {@code next_minute}
 * cursor are committed in one transaction. A minute is due once complete: its end plus {@code
 * grace} (for events still on their way) has passed. After downtime a rule catches up minute by
 * minute, but never further back than {@code maxCatchUp}: older minutes are skipped (the alert
 * would be stale) and nothing about them is notified.
 */
public final class AlertEvaluator {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** Minutes evaluated per claim: keeps each transaction short during a catch-up. */
  private static final int MINUTES_PER_CLAIM = 60;

  private final DataSource dataSource;
  private final Clock clock;
  private final Duration grace;
  private final int maxCatchUp;

  /** One (rule, minute) evaluated, for metrics and tests. */
  public record Evaluated(UUID ruleId, Instant minute, boolean breached) {}

  public AlertEvaluator(DataSource dataSource, Clock clock, Duration grace, int maxCatchUpMinutes) {
    this.dataSource = dataSource;
    this.clock = clock;
    this.grace = grace;
    this.maxCatchUp = maxCatchUpMinutes;
  }

  /** The newest minute whose data is complete now (its start). */
  public Instant lastCompleteMinute() {
    return clock.instant().minus(grace).truncatedTo(ChronoUnit.MINUTES).minus(MINUTE);
  }

  /**
   * Evaluates every rule's due minutes, one rule per transaction, until none is due.
   *
   * @return what was evaluated
   */
  public List<Evaluated> runOnce() throws SQLException {
    return runOnce((rule, e) -> {});
  }

  /**
   * Evaluates every rule's due minutes, one rule per transaction, until none is due. A rule whose
   * evaluation fails (its stored condition or its data cannot be read) costs only itself: its
   * transaction rolls back, so its cursor stays where it was and the next run tries it again, and
   * the rest of this run goes on without it. A failure before any rule is claimed (the database is
   * unreachable) ends the run.
   *
   * @param failed told of each rule that failed, and why
   * @return what was evaluated
   */
  public List<Evaluated> runOnce(BiConsumer<UUID, Exception> failed) throws SQLException {
    Instant last = lastCompleteMinute();
    List<Evaluated> done = new ArrayList<>();
    Set<UUID> skipped = new HashSet<>();
    while (true) {
      List<Evaluated> claimed = claimAndEvaluate(last, skipped, failed);
      if (claimed == null) {
        return done;
      }
      done.addAll(claimed);
    }
  }

  /**
   * Claims one due rule not in {@code skipped} and evaluates it; null when none is due (or all are
   * held by others). A rule that fails joins {@code skipped}.
   */
  private List<Evaluated> claimAndEvaluate(
      Instant last, Set<UUID> skipped, BiConsumer<UUID, Exception> failed) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      UUID[] claimed = new UUID[1];
      try {
        List<Evaluated> out = evaluateOne(c, last, skipped, claimed);
        c.commit();
        return out;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        if (claimed[0] == null) {
          throw e;
        }
        skipped.add(claimed[0]);
        failed.accept(claimed[0], e);
        return List.of();
      }
    }
  }

  private List<Evaluated> evaluateOne(Connection c, Instant last, Set<UUID> skipped, UUID[] claimed)
      throws SQLException {
    Rule rule;
    Instant next;
    AlertState.Snapshot snapshot;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + AlertRules.RULE_COLUMNS
                + " FROM alert_rules WHERE kind IN ('error_count', 'latency', 'error_rate',"
                + " 'throughput_below') AND next_minute <= ?"
                + " AND NOT EXISTS (SELECT 1 FROM deleted_apps d WHERE d.app_id = alert_rules.app_id)"
                + " AND NOT (id = ANY (?))"
                + " ORDER BY next_minute, id LIMIT 1 FOR UPDATE SKIP LOCKED")) {
      ps.setTimestamp(1, Timestamp.from(last));
      ps.setArray(2, c.createArrayOf("uuid", skipped.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        claimed[0] = rs.getObject("id", UUID.class);
        rule = AlertRules.rule(rs);
        snapshot =
            new AlertState.Snapshot(
                "firing".equals(rs.getString(17)),
                instant(rs.getTimestamp(18)),
                instant(rs.getTimestamp(22)),
                rs.getBoolean(23));
        next = rs.getTimestamp(21).toInstant();
      }
    }
    Instant oldest = last.minus(MINUTE.multipliedBy(maxCatchUp - 1L));
    Instant first = next.isBefore(oldest) ? oldest : next;
    Instant end = first.plus(MINUTE.multipliedBy(MINUTES_PER_CLAIM - 1L));
    Instant upTo = end.isBefore(last) ? end : last;
    AlertState state = new AlertState(snapshot, rule.cooldownMinutes());
    List<Evaluated> out = new ArrayList<>();
    for (Readings.Reading r :
        Readings.evaluate(
            rule.condition(),
            new PostgresMinutes(c),
            rule.appId(),
            rule.environment(),
            first,
            upTo)) {
      out.add(new Evaluated(rule.id(), r.minute(), r.breached()));
      AlertState.Change change = state.step(r.minute().plus(MINUTE), r.breached());
      if (change != null) {
        record(c, rule, change, r.value());
      }
    }
    AlertState.Snapshot after = state.snapshot();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE alert_rules SET next_minute = ?, state = ?, state_since = ?,
              last_notified_at = ?, episode_notified = ?
            WHERE id = ?
            """)) {
      ps.setTimestamp(1, Timestamp.from(upTo.plus(MINUTE)));
      ps.setString(2, after.firing() ? "firing" : "ok");
      ps.setTimestamp(3, after.since() == null ? null : Timestamp.from(after.since()));
      ps.setTimestamp(
          4, after.lastNotifiedAt() == null ? null : Timestamp.from(after.lastNotifiedAt()));
      ps.setBoolean(5, after.episodeNotified());
      ps.setObject(6, rule.id());
      ps.executeUpdate();
    }
    return out;
  }

  /** Writes a state change: its event, and its outbox row when it is notified. */
  static AlertRules.Event record(Connection c, Rule rule, AlertState.Change change, Double value)
      throws SQLException {
    AlertRules.Event e = event(c, rule, change, value);
    UUID notification = null;
    if (change.notified()) {
      notification = NotificationOutbox.insertAlert(c, rule.appId(), payload(rule, e));
    }
    AlertRules.insertEvent(c, rule.appId(), e, notification);
    return e;
  }

  /** The event a change makes, with its release and (error rules) group, commit and assignee. */
  static AlertRules.Event event(Connection c, Rule rule, AlertState.Change change, Double value)
      throws SQLException {
    Context.Details d = Context.of(c, rule, change.at());
    return new AlertRules.Event(
        UUID.randomUUID(),
        rule.id(),
        change.state(),
        change.at(),
        value,
        rule.environment(),
        d.release(),
        d.groupId(),
        d.suspectSha(),
        d.assigneeEmail(),
        change.notified());
  }

  /** The outbox's shape of an event. */
  public static AlertPayload payload(Rule rule, AlertRules.Event e) {
    return new AlertPayload(
        rule.id(),
        rule.name(),
        rule.condition().kind(),
        e.state(),
        e.at(),
        e.value(),
        rule.condition().describe(),
        e.environment(),
        e.release(),
        e.groupId(),
        e.suspectSha(),
        e.assigneeEmail());
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
