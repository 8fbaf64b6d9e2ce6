package io.upbeat.processor.errors;

import io.upbeat.processor.consume.Effects;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.consume.WorkStore.Flush;
import io.upbeat.processor.errors.ErrorWork.GroupKey;
import io.upbeat.processor.tail.TraceDecisions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The errors pipeline's writes: group upserts (exact counts, first and last seen and release),
 * hourly counts and the newest occurrences in full (committed with the offsets by {@link
 * io.upbeat.processor.consume.LedgerStore}). Groups are shared by every partition and processor, so
 * rows are written in one global order (app, then fingerprint) to rule out deadlocks between
 * processors. Groups a person merged are triaged as their target ({@link MergedGroups}).
 */
public final class ErrorStore implements Effects<ErrorWork> {
  private final int keep;
  private final Triage triage = new Triage();
  private final InAppRules inApp;
  private final Wrappers wrappers;
  private final ErrorCounts counts;

  /** Distinct users per group; null where a test of grouping alone counts none. */
  private final ErrorUsers users;

  public ErrorStore(int occurrencesPerGroup) {
    this(occurrencesPerGroup, new InAppRules());
  }

  /**
   * @param inApp the apps' in-app rules, shared with the pipeline's {@link ErrorWork}s
   */
  public ErrorStore(int occurrencesPerGroup, InAppRules inApp) {
    this(occurrencesPerGroup, inApp, Wrappers.defaults());
  }

  /**
   * @param inApp the apps' in-app rules, shared with the pipeline's {@link ErrorWork}s
   * @param wrappers the exceptions skipped to name and group an error, as the works'
   */
  public ErrorStore(int occurrencesPerGroup, InAppRules inApp, Wrappers wrappers) {
    this(occurrencesPerGroup, inApp, wrappers, null);
  }

  /**
   * @param counts where the per-minute counts go ({@code error_counts_1m}); null for none
   */
  public ErrorStore(
      int occurrencesPerGroup, InAppRules inApp, Wrappers wrappers, ErrorCounts counts) {
    this(occurrencesPerGroup, inApp, wrappers, counts, null);
  }

  /**
   * @param counts where the per-minute counts go ({@code error_counts_1m}); null for none
   * @param users where distinct users are counted ({@code error_users_1h}); null for none
   */
  public ErrorStore(
      int occurrencesPerGroup,
      InAppRules inApp,
      Wrappers wrappers,
      ErrorCounts counts,
      ErrorUsers users) {
    this.keep = occurrencesPerGroup;
    this.inApp = inApp;
    this.wrappers = wrappers;
    this.counts = counts;
    this.users = users;
  }

  @Override
  public void prepare(java.time.LocalDate today) throws SQLException {
    if (counts != null) {
      counts.prepare(today);
    }
    if (users != null) {
      users.prepare(today);
    }
  }

  @Override
  public int write(Connection c, List<Flush<ErrorWork>> fs) throws SQLException {
    // Built afresh in each attempt: a retried flush must not add anything twice.
    Map<GroupKey, GroupDelta> fromWorks = new TreeMap<>();
    for (Flush<ErrorWork> f : fs) {
      f.work().groups().forEach((k, d) -> merge(fromWorks, k, d));
      Map<GroupKey, GroupDelta> decided = new java.util.HashMap<>();
      for (ErrorWork.Undecided u : f.work().undecided()) {
        ErrorWork.group(
            decided,
            keep,
            wrappers,
            u.app(),
            InAppRules.apply(u.error(), inApp.load(c, u.app())),
            u.environment(),
            u.release());
      }
      decided.forEach((k, d) -> merge(fromWorks, k, d));
    }
    Map<GroupKey, GroupDelta> merged = toExistingLegacyGroups(c, fromWorks);
    int writer = WorkStore.writer(fs); // the per-partition tables' source_partition
    MergedGroups families = new MergedGroups(keep);
    for (GroupKey key : families.withTargets(c, merged.keySet())) {
      GroupDelta delta = merged.get(key);
      if (delta == null) {
        MergedGroups.lock(c, key); // a target of a member below, locked in its turn
        continue;
      }
      Triage.GroupState state = upsertGroup(c, key, delta);
      UUID group = state.id();
      addHourly(c, group, delta);
      addMinutes(c, key.app(), group, delta, writer);
      addOccurrences(c, group, delta);
      if (users != null) {
        users.write(c, writer, group, delta.users);
      }
      if (state.created()) {
        triage.created(c, key.app(), state, delta);
      } else if (families.defer(key.app(), state, delta)) {
        // triaged with its merged group's other deltas once every row is written
      } else if (!triage.maybeRegressed(c, key.app(), state, delta)) {
        triage.maybeReopenIgnored(c, key.app(), state, delta);
      }
    }
    families.triage(c, triage);
    TraceDecisions.write(c, fs.stream().map(f -> f.work().traces()).toList());
    return merged.size();
  }

  /**
   * Keys each delta whose events had another key before wrappers were skipped by that older key
   * when a group has it: a group created before the rule keeps its id and its events (its title
   * follows the newest event, so it is named by the cause from now on). Since no group is created
   * under an older key any more, such a group is always one of before. Reads only, so rows are
   * still locked in the global order by the upserts that follow.
   */
  private Map<GroupKey, GroupDelta> toExistingLegacyGroups(
      Connection c, Map<GroupKey, GroupDelta> merged) throws SQLException {
    if (merged.values().stream().allMatch(d -> d.legacy.isEmpty())) {
      return merged;
    }
    Map<GroupKey, GroupDelta> keyed = new TreeMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT fingerprint FROM error_groups WHERE app_id = ? AND fingerprint = ANY (?)
            ORDER BY last_seen DESC, fingerprint LIMIT 1
            """)) {
      for (Map.Entry<GroupKey, GroupDelta> e : merged.entrySet()) {
        GroupKey key = e.getKey();
        GroupDelta d = e.getValue();
        if (!d.legacy.isEmpty()) {
          ps.setObject(1, key.app());
          ps.setArray(2, c.createArrayOf("text", d.legacy.toArray()));
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              key = new GroupKey(key.app(), rs.getString(1));
            }
          }
        }
        merge(keyed, key, d);
      }
    }
    return keyed;
  }

  /** Adds a delta of a group without changing the delta (it may be committed again). */
  private void merge(Map<GroupKey, GroupDelta> merged, GroupKey k, GroupDelta d) {
    merged.merge(
        k,
        d,
        (a, b) -> {
          GroupDelta sum = new GroupDelta(keep);
          sum.merge(a);
          sum.merge(b);
          return sum;
        });
  }

  private static Triage.GroupState upsertGroup(Connection c, GroupKey key, GroupDelta d)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
              first_seen, last_seen, first_release, last_release)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (app_id, fingerprint) DO UPDATE SET
              count = error_groups.count + EXCLUDED.count,
              first_seen = LEAST(error_groups.first_seen, EXCLUDED.first_seen),
              first_release = CASE WHEN EXCLUDED.first_seen < error_groups.first_seen
                THEN EXCLUDED.first_release ELSE error_groups.first_release END,
              last_seen = GREATEST(error_groups.last_seen, EXCLUDED.last_seen),
              last_release = CASE WHEN EXCLUDED.last_seen >= error_groups.last_seen
                THEN EXCLUDED.last_release ELSE error_groups.last_release END,
              type = CASE WHEN EXCLUDED.last_seen >= error_groups.last_seen
                THEN EXCLUDED.type ELSE error_groups.type END,
              message = CASE WHEN EXCLUDED.last_seen >= error_groups.last_seen
                THEN EXCLUDED.message ELSE error_groups.message END,
              culprit = CASE WHEN EXCLUDED.last_seen >= error_groups.last_seen
                THEN EXCLUDED.culprit ELSE error_groups.culprit END
            RETURNING id, (xmax = 0), status, assignee_reason, resolved_at, resolved_in_release,
              resolved_environment, count, ignore_until_count, ignore_until_at,
              ignore_until_release, ignored_at, merged_into, has_members
            """)) {
      ps.setObject(1, UUID.randomUUID());
      ps.setObject(2, key.app());
      ps.setString(3, key.fingerprint());
      ps.setString(4, d.type);
      ps.setString(5, d.message);
      ps.setString(6, d.culprit);
      ps.setLong(7, d.count);
      ps.setTimestamp(8, Timestamp.from(d.firstSeen));
      ps.setTimestamp(9, Timestamp.from(d.lastSeen));
      ps.setString(10, d.firstRelease);
      ps.setString(11, d.lastRelease);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Timestamp resolvedAt = rs.getTimestamp(5);
        Timestamp ignoreUntilAt = rs.getTimestamp(10);
        Timestamp ignoredAt = rs.getTimestamp(12);
        long ignoreUntilCount = rs.getLong(9);
        boolean noCount = rs.wasNull();
        // xmax = 0: the row was inserted by this statement, not updated: a new group.
        return new Triage.GroupState(
            rs.getObject(1, UUID.class),
            rs.getBoolean(2),
            rs.getString(3),
            rs.getString(4),
            resolvedAt == null ? null : resolvedAt.toInstant(),
            rs.getString(6),
            rs.getString(7),
            new Triage.IgnoreUntil(
                rs.getLong(8),
                noCount ? null : ignoreUntilCount,
                ignoreUntilAt == null ? null : ignoreUntilAt.toInstant(),
                rs.getBoolean(11),
                ignoredAt == null ? null : ignoredAt.toInstant()),
            rs.getObject(13, UUID.class),
            rs.getBoolean(14));
      }
    }
  }

  private static void addHourly(Connection c, UUID group, GroupDelta d) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO error_hourly (group_id, hour, count) VALUES (?, ?, ?)"
                + " ON CONFLICT (group_id, hour) DO UPDATE SET count = error_hourly.count + EXCLUDED.count")) {
      for (var h : d.hourly.entrySet()) {
        ps.setObject(1, group);
        ps.setTimestamp(2, Timestamp.from(h.getKey()));
        ps.setLong(3, h.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private void addMinutes(Connection c, UUID app, UUID group, GroupDelta d, int writer)
      throws SQLException {
    if (counts != null) {
      counts.add(c, app, group, d, writer);
    }
  }

  /** Adds the delta's newest occurrences, then keeps only the group's newest {@code keep}. */
  private void addOccurrences(Connection c, UUID group, GroupDelta d) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO error_occurrences (group_id, occurred_at, event_id, environment, release,
              transaction_name, message, exception, context, trace_id, transaction_id, parent_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)
            """)) {
      for (GroupDelta.Occurrence o : d.newest) {
        ps.setObject(1, group);
        ps.setTimestamp(2, Timestamp.from(o.at()));
        ps.setString(3, o.eventId());
        ps.setString(4, o.environment());
        ps.setString(5, o.release());
        ps.setString(6, o.transactionName());
        ps.setString(7, o.message());
        ps.setString(8, o.exceptionJson());
        if (o.contextJson() == null) {
          ps.setNull(9, Types.VARCHAR);
        } else {
          ps.setString(9, o.contextJson());
        }
        // The occurrence's place in its trace, for the trace view (V36).
        ps.setString(10, o.traceId());
        ps.setString(11, o.transactionId());
        ps.setString(12, o.parentId());
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (PreparedStatement trim =
        c.prepareStatement(
            """
            DELETE FROM error_occurrences WHERE id IN (
              SELECT id FROM error_occurrences WHERE group_id = ?
              ORDER BY occurred_at DESC, id DESC OFFSET ?)
            """)) {
      trim.setObject(1, group);
      trim.setInt(2, keep);
      trim.executeUpdate();
    }
  }
}
