package io.upbeat.api.errors;

import io.upbeat.api.errors.ErrorPayloads.Assignee;
import io.upbeat.api.errors.ErrorPayloads.ErrorGroup;
import io.upbeat.api.errors.ErrorPayloads.ErrorPage;
import io.upbeat.api.errors.ErrorPayloads.HourlyCount;
import io.upbeat.api.errors.ErrorPayloads.Occurrence;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads the error groups the processor writes, and changes the two things people decide: status and
 * assignee. Every query is scoped to one app, so a group id of another app is simply absent.
 */
@Repository
class ErrorGroups {
  private static final String COLUMNS =
      "g.id, g.type, g.message, g.culprit, g.count, g.first_seen, g.last_seen, g.first_release,"
          + " g.last_release, g.status, g.assignee_email, g.assignee_reason, g.fingerprint";

  /** Set on a person's assignment or unassignment; automatic assigners leave such groups alone. */
  static final String MANUAL = "manual";

  private final JdbcClient jdbc;

  ErrorGroups(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** A group with its fingerprint, which lists leave out. */
  record Found(ErrorGroup group, String fingerprint) {}

  ErrorPage list(UUID app, ListQuery q) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM error_groups g");
    sql.append(" WHERE g.app_id = :app");
    Map<String, Object> params = new HashMap<>();
    params.put("app", app);
    if (q.status() != null) {
      sql.append(" AND g.status = :status");
      params.put("status", q.status());
    }
    if (q.release() != null) {
      sql.append(" AND g.first_release = :release");
      params.put("release", q.release());
    }
    if (ListQuery.UNASSIGNED.equals(q.assignee())) {
      sql.append(" AND g.assignee_email IS NULL");
    } else if (q.assignee() != null) {
      sql.append(" AND lower(g.assignee_email) = :assignee");
      params.put("assignee", q.assignee());
    }
    if (q.from() != null || q.to() != null) {
      // first_seen and last_seen bound the group's life exactly; the hourly counts then tell
      // whether it occurred inside the window, to the hour.
      StringBuilder hourly =
          new StringBuilder(" AND EXISTS (SELECT 1 FROM error_hourly h WHERE h.group_id = g.id");
      if (q.from() != null) {
        sql.append(" AND g.last_seen >= :from");
        hourly.append(" AND h.hour >= :from_hour");
        params.put("from", Times.bind(q.from()));
        params.put("from_hour", Times.bind(q.from().truncatedTo(ChronoUnit.HOURS)));
      }
      if (q.to() != null) {
        sql.append(" AND g.first_seen < :to");
        hourly.append(" AND h.hour < :to");
        params.put("to", Times.bind(q.to()));
      }
      sql.append(hourly).append(")");
    }
    String key = "g." + q.sort().param(); // from the enum, never from the request
    if (q.cursor() != null) {
      sql.append(" AND (").append(key).append(", g.id) < (:after_key, :after_id)");
      params.put("after_key", q.cursor().keyValue());
      params.put("after_id", q.cursor().id());
    }
    sql.append(" ORDER BY ").append(key).append(" DESC, g.id DESC LIMIT :limit");
    params.put("limit", q.limit() + 1);
    List<ErrorGroup> rows =
        jdbc.sql(sql.toString()).params(params).query((rs, n) -> group(rs)).list();
    if (rows.size() <= q.limit()) {
      return new ErrorPage(rows, null);
    }
    List<ErrorGroup> page = rows.subList(0, q.limit());
    return new ErrorPage(page, Cursor.after(q.sort(), page.getLast()).encode());
  }

  Optional<Found> find(UUID app, UUID group) {
    return jdbc.sql(
            "SELECT " + COLUMNS + " FROM error_groups g WHERE g.id = :id AND g.app_id = :app")
        .param("id", group)
        .param("app", app)
        .query((rs, n) -> new Found(group(rs), rs.getString("fingerprint")))
        .optional();
  }

  /** One count per hour from {@code from}'s hour up to {@code to} (exclusive), zeros included. */
  List<HourlyCount> hourly(UUID group, Instant from, Instant to) {
    Instant first = from.truncatedTo(ChronoUnit.HOURS);
    Map<Instant, Long> counts = new HashMap<>();
    jdbc.sql(
            """
            SELECT hour, count FROM error_hourly
            WHERE group_id = :group AND hour >= :from AND hour < :to
            """)
        .param("group", group)
        .param("from", Times.bind(first))
        .param("to", Times.bind(to))
        .query((RowCallbackHandler) rs -> counts.put(Times.read(rs, "hour"), rs.getLong("count")));
    List<HourlyCount> points = new ArrayList<>();
    for (Instant t = first; t.isBefore(to); t = t.plus(1, ChronoUnit.HOURS)) {
      points.add(new HourlyCount(t, counts.getOrDefault(t, 0L)));
    }
    return points;
  }

  /** The group's stored occurrences, newest first. */
  List<Occurrence> occurrences(UUID group, int limit) {
    return jdbc.sql(
            """
            SELECT id, occurred_at, event_id, environment, release, transaction_name, message,
              exception::text AS exception, context::text AS context
            FROM error_occurrences WHERE group_id = :group
            ORDER BY occurred_at DESC, id DESC LIMIT :limit
            """)
        .param("group", group)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new Occurrence(
                    rs.getLong("id"),
                    Times.read(rs, "occurred_at"),
                    rs.getString("event_id"),
                    rs.getString("environment"),
                    rs.getString("release"),
                    rs.getString("transaction_name"),
                    rs.getString("message"),
                    rs.getString("exception"),
                    rs.getString("context")))
        .list();
  }

  /**
   * Applies a person's change in one statement, so concurrent changes never mix halves.
   *
   * @return the changed group, or empty if the app has no such group
   */
  Optional<ErrorGroup> update(UUID app, UUID group, ErrorUpdate change) {
    List<String> sets = new ArrayList<>();
    Map<String, Object> params = new HashMap<>();
    params.put("id", group);
    params.put("app", app);
    if (change.status() != null) {
      sets.add("status = :status");
      params.put("status", change.status());
    }
    if (change.assigneeGiven()) {
      // A manual unassignment is remembered too (reason kept, e-mail cleared), so an automatic
      // assigner does not hand the group straight back to someone.
      sets.add("assignee_reason = :manual");
      params.put("manual", MANUAL);
      if (change.assigneeEmail() == null) {
        sets.add("assignee_email = NULL");
      } else {
        sets.add("assignee_email = :email");
        params.put("email", change.assigneeEmail());
      }
    }
    String sql =
        "UPDATE error_groups g SET "
            + String.join(", ", sets)
            + " WHERE g.id = :id AND g.app_id = :app RETURNING "
            + COLUMNS;
    return jdbc.sql(sql).params(params).query((rs, n) -> group(rs)).optional();
  }

  private static ErrorGroup group(ResultSet rs) throws SQLException {
    String email = rs.getString("assignee_email");
    return new ErrorGroup(
        rs.getObject("id", UUID.class),
        rs.getString("type"),
        rs.getString("message"),
        rs.getString("culprit"),
        rs.getLong("count"),
        Times.read(rs, "first_seen"),
        Times.read(rs, "last_seen"),
        rs.getString("first_release"),
        rs.getString("last_release"),
        rs.getString("status"),
        email == null ? null : new Assignee(email, rs.getString("assignee_reason")));
  }
}
