package io.upbeat.storage.notify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The notification outbox ({@code notifications}): the only code that writes its rows and reads
 * their payload. Writers add a row in the same transaction as the change it announces (a new group,
 * a regression, an assignment), so a notification exists exactly when its change committed;
 * api-service's notifier delivers the rows afterwards. The payload is built by PostgreSQL itself
 * ({@code jsonb_build_object}), so both services write the same shape without sharing a JSON
 * library.
 */
public final class NotificationOutbox {
  private NotificationOutbox() {}

  /**
   * A notification as stored.
   *
   * @param alert what an alert says (kind {@link NotificationKind#ALERT}), else null
   */
  public record Stored(
      UUID id,
      UUID appId,
      NotificationKind kind,
      NotificationPayload payload,
      Instant createdAt,
      AlertPayload alert) {}

  /**
   * Adds an alert notification on {@code c} (in the caller's transaction, the one that records the
   * rule's state change).
   *
   * @return the new notification's id
   */
  public static UUID insertAlert(Connection c, UUID app, AlertPayload p) throws SQLException {
    UUID id = UUID.randomUUID();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO notifications (id, app_id, kind, alert_rule_id, payload, created_at)
            VALUES (?, ?, 'alert', ?, jsonb_build_object(
              'rule_id', ?::text, 'rule_name', ?::text, 'kind', ?::text, 'state', ?::text,
              'at', ?::text, 'value', ?::double precision, 'condition', ?::text,
              'environment', ?::text, 'release', ?::text, 'group_id', ?::text,
              'suspect_sha', ?::text, 'assignee_email', ?::text), now())
            """)) {
      ps.setObject(1, id);
      ps.setObject(2, app);
      ps.setObject(3, p.ruleId());
      ps.setString(4, p.ruleId().toString());
      ps.setString(5, p.ruleName());
      ps.setString(6, p.kind());
      ps.setString(7, p.state());
      ps.setString(8, p.at().toString());
      if (p.value() == null) {
        ps.setNull(9, java.sql.Types.DOUBLE);
      } else {
        ps.setDouble(9, p.value());
      }
      ps.setString(10, p.condition());
      ps.setString(11, p.environment());
      ps.setString(12, p.release());
      ps.setString(13, p.groupId() == null ? null : p.groupId().toString());
      ps.setString(14, p.suspectSha());
      ps.setString(15, p.assigneeEmail());
      ps.executeUpdate();
    }
    return id;
  }

  /**
   * Adds a notification on {@code c} (in the caller's transaction).
   *
   * @param createdAt when it happened; null for the database's {@code now()}
   * @return the new notification's id
   */
  public static UUID insert(
      Connection c, UUID app, NotificationKind kind, NotificationPayload p, Instant createdAt)
      throws SQLException {
    UUID id = UUID.randomUUID();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO notifications (id, app_id, group_id, kind, payload, created_at)
            VALUES (?, ?, ?, ?, jsonb_build_object(
              'group_id', ?::text, 'type', ?::text, 'message', ?::text, 'culprit', ?::text,
              'release', ?::text, 'environment', ?::text, 'assignee_email', ?::text,
              'reason', ?::text),
              coalesce(?, now()))
            """)) {
      ps.setObject(1, id);
      ps.setObject(2, app);
      ps.setObject(3, p.groupId());
      ps.setString(4, kind.code());
      ps.setString(5, p.groupId() == null ? null : p.groupId().toString());
      ps.setString(6, p.type());
      ps.setString(7, p.message());
      ps.setString(8, p.culprit());
      ps.setString(9, p.release());
      ps.setString(10, p.environment());
      ps.setString(11, p.assigneeEmail());
      ps.setString(12, p.reason());
      ps.setTimestamp(13, createdAt == null ? null : Timestamp.from(createdAt));
      ps.executeUpdate();
    }
    return id;
  }

  private static final String COLUMNS =
      """
      id, app_id, kind, group_id, payload->>'type', payload->>'message', payload->>'culprit',
      payload->>'release', payload->>'environment', payload->>'assignee_email', payload->>'reason',
      created_at, alert_rule_id, payload->>'rule_name', payload->>'kind', payload->>'state',
      payload->>'at', (payload->>'value')::double precision, payload->>'condition',
      payload->>'suspect_sha', payload->>'group_id'
      """;

  /** The notification, or empty once it is gone (its group or app deleted). */
  public static Optional<Stored> find(Connection c, UUID id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + COLUMNS + " FROM notifications WHERE id = ?")) {
      ps.setObject(1, id);
      List<Stored> found = read(ps);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }
  }

  /**
   * Up to {@code limit} notifications not dispatched yet, oldest first, locked for the caller's
   * transaction; rows another dispatcher holds are skipped, so several instances share the work.
   */
  public static List<Stored> claimUndispatched(Connection c, int limit) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + COLUMNS
                + " FROM notifications WHERE dispatched_at IS NULL ORDER BY created_at LIMIT ?"
                + " FOR UPDATE SKIP LOCKED")) {
      ps.setInt(1, limit);
      return read(ps);
    }
  }

  /** Marks a claimed notification dispatched (its deliveries are planned). */
  public static void markDispatched(Connection c, UUID id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE notifications SET dispatched_at = now() WHERE id = ?")) {
      ps.setObject(1, id);
      ps.executeUpdate();
    }
  }

  private static List<Stored> read(PreparedStatement ps) throws SQLException {
    List<Stored> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        NotificationKind kind = NotificationKind.of(rs.getString(3));
        UUID groupId = rs.getObject(4, UUID.class);
        AlertPayload alert = null;
        if (kind == NotificationKind.ALERT) {
          double value = rs.getDouble(18);
          boolean noValue = rs.wasNull();
          String group = rs.getString(21);
          alert =
              new AlertPayload(
                  rs.getObject(13, UUID.class),
                  rs.getString(14),
                  rs.getString(15),
                  rs.getString(16),
                  Instant.parse(rs.getString(17)),
                  noValue ? null : value,
                  rs.getString(19),
                  rs.getString(9),
                  rs.getString(8),
                  group == null ? null : UUID.fromString(group),
                  rs.getString(20),
                  rs.getString(10));
        }
        NotificationPayload p =
            new NotificationPayload(
                groupId,
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getString(10),
                rs.getString(11));
        out.add(
            new Stored(
                rs.getObject(1, UUID.class),
                rs.getObject(2, UUID.class),
                kind,
                p,
                rs.getTimestamp(12).toInstant(),
                alert));
      }
    }
    return out;
  }
}
