package io.upbeat.processor.errors;

import io.upbeat.processor.errors.ErrorWork.GroupKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Merged groups in one flush of the errors pipeline. A person may have merged groups (the
 * api-service's {@code GroupMerges}): a member keeps counting its own events, but its triage is its
 * target's, so an event of a member never announces a new error, reopens a resolved target, and
 * counts toward an ignored target's count. The merges are read in the flush's transaction, so one
 * committed before the flush applies to it.
 *
 * <p>Targets are locked in the flush's global row order (app, then fingerprint) with the groups
 * upserted, so flushes and merges (which lock in the same order) never deadlock. A family is
 * triaged once per flush after every upsert, with the deltas of all its groups together, so one
 * regression is one notification however many of its groups the flush touched.
 */
final class MergedGroups {
  private final int keep;

  /** The deltas of the flush's merged groups, by the id of the group they are triaged as. */
  private final Map<UUID, List<GroupDelta>> families = new TreeMap<>();

  private final Map<UUID, UUID> apps = new TreeMap<>();

  MergedGroups(int keep) {
    this.keep = keep;
  }

  /**
   * The flush's keys with the keys of their members' targets, in the order rows are locked. A
   * target's key without a delta of its own is only to be locked ({@link #lock}).
   */
  NavigableSet<GroupKey> withTargets(Connection c, Collection<GroupKey> keys) throws SQLException {
    NavigableSet<GroupKey> all = new TreeSet<>(keys);
    UUID[] appIds = keys.stream().map(GroupKey::app).distinct().toArray(UUID[]::new);
    // Nearly always no app of the flush has a merged group: one probe of a small partial index.
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM error_groups WHERE has_members AND app_id = ANY (?))")) {
      ps.setArray(1, c.createArrayOf("uuid", appIds));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return all;
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT t.app_id, t.fingerprint FROM unnest(?::uuid[], ?::text[]) AS k (app_id, fingerprint)
            JOIN error_groups m ON m.app_id = k.app_id AND m.fingerprint = k.fingerprint
            JOIN error_groups t ON t.id = m.merged_into
            """)) {
      ps.setArray(1, c.createArrayOf("uuid", keys.stream().map(GroupKey::app).toArray()));
      ps.setArray(2, c.createArrayOf("text", keys.stream().map(GroupKey::fingerprint).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          all.add(new GroupKey(rs.getObject(1, UUID.class), rs.getString(2)));
        }
      }
    }
    return all;
  }

  /** Locks the row of a target whose members the flush has events of, in its turn. */
  static void lock(Connection c, GroupKey key) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT 1 FROM error_groups WHERE app_id = ? AND fingerprint = ? FOR UPDATE")) {
      ps.setObject(1, key.app());
      ps.setString(2, key.fingerprint());
      ps.executeQuery().close();
    }
  }

  /**
   * Keeps the delta of a merged group (a member or a target) for its family's triage.
   *
   * @return whether it was kept: false for a group that is not merged, triaged on its own
   */
  boolean defer(UUID app, Triage.GroupState group, GroupDelta d) {
    UUID family = group.mergedInto() != null ? group.mergedInto() : group.id();
    if (group.mergedInto() == null && !group.hasMembers()) {
      return false;
    }
    families.computeIfAbsent(family, f -> new ArrayList<>()).add(d);
    apps.put(family, app);
    return true;
  }

  /** Triages each family the flush touched as its target, with all of its deltas together. */
  void triage(Connection c, Triage triage) throws SQLException {
    for (Map.Entry<UUID, List<GroupDelta>> e : families.entrySet()) {
      GroupDelta all = new GroupDelta(keep);
      e.getValue().forEach(all::merge);
      Triage.GroupState target = target(c, e.getKey());
      if (target == null) {
        continue; // deleted with its app meanwhile
      }
      UUID app = apps.get(e.getKey());
      if (!triage.maybeRegressed(c, app, target, all)) {
        triage.maybeReopenIgnored(c, app, target, all);
      }
    }
  }

  /** The target's triage state, its count being the whole family's (what an ignore counts). */
  private static Triage.GroupState target(Connection c, UUID id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT status, assignee_reason, resolved_at, resolved_in_release, resolved_environment,
              (SELECT sum(f.count) FROM error_groups f WHERE f.id = g.id OR f.merged_into = g.id),
              ignore_until_count, ignore_until_at, ignore_until_release, ignored_at
            FROM error_groups g WHERE id = ? FOR UPDATE
            """)) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        Timestamp resolvedAt = rs.getTimestamp(3);
        long untilCount = rs.getLong(7);
        boolean noCount = rs.wasNull();
        Timestamp untilAt = rs.getTimestamp(8);
        Timestamp ignoredAt = rs.getTimestamp(10);
        return new Triage.GroupState(
            id,
            false,
            rs.getString(1),
            rs.getString(2),
            resolvedAt == null ? null : resolvedAt.toInstant(),
            rs.getString(4),
            rs.getString(5),
            new Triage.IgnoreUntil(
                rs.getLong(6),
                noCount ? null : untilCount,
                untilAt == null ? null : untilAt.toInstant(),
                rs.getBoolean(9),
                ignoredAt == null ? null : ignoredAt.toInstant()),
            null,
            true);
      }
    }
  }
}
