package io.upbeat.api.audit;

import io.upbeat.api.params.Problems;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reads an org's audit trail, newest first, a page at a time: what happened in the org, and what
 * concerns its members' accounts (sign-in failures, API keys) while they belong to it.
 */
@Component
class AuditTrail {
  static final int PAGE = 50;

  private final JdbcClient jdbc;

  AuditTrail(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** One recorded event. */
  record Event(long id, Instant at, String actor, String action, String target, String address) {}

  /** A page and the cursor for the next one (null at the end). */
  record Page(List<Event> items, String nextCursor) {}

  Page page(UUID org, String cursor) {
    long before = before(cursor);
    List<Event> rows =
        jdbc.sql(
                """
                SELECT id, at, actor, action, target, address FROM (
                  SELECT * FROM audit_events WHERE org_id = :org AND id < :before
                  UNION ALL
                  SELECT * FROM audit_events WHERE org_id IS NULL AND id < :before
                    AND user_id IN (SELECT user_id FROM memberships WHERE org_id = :org)
                ) e ORDER BY id DESC LIMIT :n
                """)
            .param("org", org)
            .param("before", before)
            .param("n", PAGE + 1)
            .query(
                (rs, i) ->
                    new Event(
                        rs.getLong(1),
                        rs.getTimestamp(2).toInstant(),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6)))
            .list();
    if (rows.size() <= PAGE) {
      return new Page(rows, null);
    }
    List<Event> page = rows.subList(0, PAGE);
    return new Page(List.copyOf(page), "e" + page.getLast().id());
  }

  /** The id a cursor continues below; a cursor this code did not write is 400. */
  private static long before(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return Long.MAX_VALUE;
    }
    if (cursor.length() <= 19 && cursor.matches("e[0-9]{1,18}")) {
      return Long.parseLong(cursor.substring(1));
    }
    Problems problems = new Problems();
    problems.add("cursor", "is not a cursor this API returned");
    problems.throwIfAny();
    throw new IllegalStateException("unreachable");
  }
}
