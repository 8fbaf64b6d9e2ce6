package io.upbeat.processor.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Work waiting in PostgreSQL, as gauges: a backlog that grows means a job is not keeping up (or not
 * running at all), which neither the job's own timers nor an error log would show.
 *
 * <ul>
 *   <li>rollups: buckets marked dirty by the metrics pipeline and not yet rolled up, per level, and
 *       the age of the oldest (from its bucket's start: an hour bucket being filled is always
 *       dirty, so an age much above a level's width means rollups are behind);
 *   <li>notifications: notifications not yet dispatched to their channels, and deliveries still
 *       pending (waiting for their next attempt), each with the age of the oldest.
 * </ul>
 *
 * Each backlog is one query of its own, below, over partial or primary-key indexes; a query reading
 * a table that another change replaced is the only thing to adapt.
 */
public final class Backlogs {
  /**
   * Rows: level, pending units (an app's hour or day), when the oldest was first marked. Levels
   * with no backlog have no row.
   */
  static final String ROLLUPS =
      """
      SELECT level, count(*), min(oldest)
      FROM (SELECT level, app_id, bucket, min(marked_at) AS oldest
            FROM rollup_pending GROUP BY level, app_id, bucket) AS units
      GROUP BY level""";

  /** One row: notifications not dispatched yet, created_at of the oldest. */
  static final String UNDISPATCHED =
      "SELECT count(*), min(created_at) FROM notifications WHERE dispatched_at IS NULL";

  /** One row: deliveries still to attempt, created_at of the oldest. */
  static final String PENDING_DELIVERIES =
      "SELECT count(*), min(created_at) FROM notification_deliveries WHERE status = 'pending'";

  /** The rollup levels (rollup_pending.level). */
  static final List<String> LEVELS = List.of("1h", "1d");

  private final DataSource db;
  private final Clock clock;
  private final Duration queryTimeout;
  private final Backlog[] rollups = new Backlog[LEVELS.size()];
  private final Backlog undispatched;
  private final Backlog deliveries;

  /** One backlog's two gauges. */
  private record Backlog(AtomicLong size, AtomicLong oldestSeconds) {
    static Backlog register(
        MeterRegistry meters, String name, String oldest, String unit, String tag, String value) {
      Backlog b = new Backlog(new AtomicLong(), new AtomicLong());
      Gauge.builder(name, b.size, AtomicLong::get).baseUnit(unit).tag(tag, value).register(meters);
      Gauge.builder(oldest, b.oldestSeconds, AtomicLong::get)
          .baseUnit("seconds")
          .tag(tag, value)
          .register(meters);
      return b;
    }

    void set(long size, Timestamp oldest, Clock clock) {
      this.size.set(size);
      this.oldestSeconds.set(
          oldest == null
              ? 0
              : Math.max(0, Duration.between(oldest.toInstant(), clock.instant()).toSeconds()));
    }
  }

  public Backlogs(DataSource db, Clock clock, Duration queryTimeout, MeterRegistry meters) {
    this.db = db;
    this.clock = clock;
    this.queryTimeout = queryTimeout;
    for (int i = 0; i < LEVELS.size(); i++) {
      rollups[i] =
          Backlog.register(
              meters,
              "upbeat.processor.rollup.backlog",
              "upbeat.processor.rollup.backlog.oldest",
              "buckets",
              "level",
              LEVELS.get(i));
    }
    undispatched =
        Backlog.register(
            meters,
            "upbeat.processor.notifications.backlog",
            "upbeat.processor.notifications.backlog.oldest",
            "rows",
            "stage",
            "dispatch");
    deliveries =
        Backlog.register(
            meters,
            "upbeat.processor.notifications.backlog",
            "upbeat.processor.notifications.backlog.oldest",
            "rows",
            "stage",
            "delivery");
  }

  /** Reads every backlog again; one failing query leaves its gauges at their last values. */
  public void refresh() throws SQLException {
    try (Connection c = db.getConnection()) {
      long[] sizes = new long[LEVELS.size()];
      Timestamp[] oldest = new Timestamp[LEVELS.size()];
      try (PreparedStatement st = prepare(c, ROLLUPS);
          ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          int i = LEVELS.indexOf(rs.getString(1));
          if (i >= 0) {
            sizes[i] = rs.getLong(2);
            oldest[i] = rs.getTimestamp(3);
          }
        }
      }
      for (int i = 0; i < sizes.length; i++) {
        rollups[i].set(sizes[i], oldest[i], clock);
      }
      one(c, UNDISPATCHED, undispatched);
      one(c, PENDING_DELIVERIES, deliveries);
    }
  }

  private void one(Connection c, String sql, Backlog backlog) throws SQLException {
    try (PreparedStatement st = prepare(c, sql);
        ResultSet rs = st.executeQuery()) {
      rs.next();
      backlog.set(rs.getLong(1), rs.getTimestamp(2), clock);
    }
  }

  private PreparedStatement prepare(Connection c, String sql) throws SQLException {
    PreparedStatement st = c.prepareStatement(sql);
    st.setQueryTimeout((int) Math.max(1, queryTimeout.toSeconds()));
    return st;
  }
}
