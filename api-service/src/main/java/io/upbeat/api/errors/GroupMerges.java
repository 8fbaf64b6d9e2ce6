package io.upbeat.api.errors;

import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.errors.ErrorPayloads.MergedGroup;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Merging error groups that are one problem, and undoing it. A member keeps its row and data and
 * only points at its target ({@code merged_into}); reads add members to their target ({@link
 * ErrorGroups#FAMILY}), so both directions move no data and unmerging restores each group exactly.
 *
 * <p>There are no chains: ids that are members stand for their targets, and a target's members
 * follow it when it is merged into another group. Rows are locked in the order the processor locks
 * them (fingerprint within the app), so a merge never deadlocks with a flush or another merge, and
 * what was read before the locks is checked again under them: a merge that raced another one and
 * lost is a 409 {@code conflict}, never a chain or a cycle (the table's constraints refuse those
 * too).
 */
@Repository
class GroupMerges {
  /** The most group ids one request merges or splits off. */
  static final int MAX_IDS = 100;

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final AuditLog audit;

  GroupMerges(JdbcClient jdbc, TransactionTemplate tx, AuditLog audit) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.audit = audit;
  }

  private record Row(UUID id, UUID mergedInto) {
    UUID root() {
      return mergedInto == null ? id : mergedInto;
    }
  }

  /**
   * Merges the groups {@code ids} (with their members) into {@code target}'s merged group, in one
   * transaction audited as {@code error.merged}.
   *
   * @param actor the user, recorded in the audit log
   * @return the id of the merged group (the target's target, when the target is a member), or empty
   *     when the app lacks one of the groups
   * @throws ApiException 409 when a concurrent merge changed the groups meanwhile
   */
  Optional<UUID> merge(AppAccess app, UUID target, Set<UUID> ids, Object actor) {
    return tx.execute(status -> mergeLocked(app, target, ids, actor));
  }

  private Optional<UUID> mergeLocked(AppAccess app, UUID target, Set<UUID> ids, Object actor) {
    Set<UUID> all = new HashSet<>(ids);
    all.add(target);
    Map<UUID, Row> rows = rows(app.id(), all);
    if (rows.size() != all.size()) {
      return Optional.empty();
    }
    UUID root = rows.get(target).root();
    Set<UUID> sources = new LinkedHashSet<>();
    for (UUID id : ids) {
      sources.add(rows.get(id).root());
    }
    sources.remove(root);
    if (sources.isEmpty()) {
      return Optional.of(root); // all of them are in that group already
    }
    Set<UUID> roots = new HashSet<>(sources);
    roots.add(root);
    List<Row> locked =
        jdbc.sql(
                """
                SELECT id, merged_into FROM error_groups
                WHERE app_id = :app AND (id IN (:roots) OR merged_into IN (:sources))
                ORDER BY fingerprint FOR UPDATE
                """)
            .param("app", app.id())
            .param("roots", roots)
            .param("sources", sources)
            .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
            .list();
    Set<UUID> lockedIds = locked.stream().map(Row::id).collect(Collectors.toSet());
    boolean stillRoots =
        locked.stream().filter(r -> roots.contains(r.id())).allMatch(r -> r.mergedInto() == null);
    // Under the roots' locks nobody adds members to them: these are all their members now.
    List<UUID> members =
        jdbc.sql("SELECT id FROM error_groups WHERE merged_into IN (:sources)")
            .param("sources", sources)
            .query(UUID.class)
            .list();
    if (!lockedIds.containsAll(roots) || !stillRoots || !lockedIds.containsAll(members)) {
      throw concurrentChange();
    }
    jdbc.sql(
            """
            UPDATE error_groups SET merged_into = :root, has_members = false
            WHERE app_id = :app AND (id IN (:sources) OR merged_into IN (:sources))
            """)
        .param("root", root)
        .param("app", app.id())
        .param("sources", sources)
        .update();
    jdbc.sql("UPDATE error_groups SET has_members = true WHERE id = :root")
        .param("root", root)
        .update();
    audit.org(actor, app.orgId(), AuditAction.ERRORS_MERGED, target(app, root, sources));
    return Optional.of(root);
  }

  /**
   * Splits {@code ids} (null: every member) off {@code target}, each becoming the group it was
   * before with its own counts and data, in one transaction audited as {@code error.unmerged}.
   *
   * @return the ids split off, or empty when the app lacks one of the groups
   * @throws ApiException 400 naming an id that is not a member of {@code target}
   */
  Optional<List<UUID>> unmerge(AppAccess app, UUID target, Set<UUID> ids, Object actor) {
    return tx.execute(status -> unmergeLocked(app, target, ids, actor));
  }

  private Optional<List<UUID>> unmergeLocked(
      AppAccess app, UUID target, Set<UUID> ids, Object actor) {
    Set<UUID> all = new HashSet<>(ids == null ? Set.of() : ids);
    all.add(target);
    Map<UUID, Row> rows = rows(app.id(), all);
    if (rows.size() != all.size()) {
      return Optional.empty();
    }
    if (ids != null) {
      List<Detail> problems = new ArrayList<>();
      int i = 0;
      for (UUID id : ids) {
        if (!target.equals(rows.get(id).mergedInto())) {
          problems.add(new Detail("group_ids[" + i + "]", "is not merged into this group"));
        }
        i++;
      }
      if (!problems.isEmpty()) {
        throw new ApiException(
            ErrorCode.INVALID_PAYLOAD,
            "Only groups merged into this one can be split off.",
            problems);
      }
    }
    List<UUID> locked =
        jdbc.sql(
                """
                SELECT id FROM error_groups WHERE app_id = :app AND (id = :target OR merged_into = :target)
                ORDER BY fingerprint FOR UPDATE
                """)
            .param("app", app.id())
            .param("target", target)
            .query(UUID.class)
            .list();
    if (ids != null && !locked.containsAll(ids)) {
      throw concurrentChange();
    }
    List<UUID> split =
        jdbc.sql(
                """
                UPDATE error_groups SET merged_into = NULL
                WHERE app_id = :app AND merged_into = :target
                  AND (CAST(:all AS boolean) OR id IN (:ids))
                RETURNING id
                """)
            .param("app", app.id())
            .param("target", target)
            .param("all", ids == null)
            .param("ids", ids == null || ids.isEmpty() ? Set.of(target) : ids)
            .query(UUID.class)
            .list();
    jdbc.sql(
            """
            UPDATE error_groups SET has_members =
              EXISTS (SELECT 1 FROM error_groups m WHERE m.merged_into = :target)
            WHERE id = :target
            """)
        .param("target", target)
        .update();
    if (!split.isEmpty()) {
      audit.org(actor, app.orgId(), AuditAction.ERRORS_UNMERGED, target(app, target, split));
    }
    return Optional.of(split);
  }

  /** The group {@code group} of {@code app} was merged into, if it is a member. */
  Optional<UUID> mergedInto(UUID app, UUID group) {
    return jdbc.sql("SELECT merged_into FROM error_groups WHERE id = :id AND app_id = :app")
        .param("id", group)
        .param("app", app)
        .query((rs, n) -> Optional.ofNullable(rs.getObject(1, UUID.class)))
        .optional()
        .flatMap(o -> o);
  }

  /** The groups merged into {@code group}, most occurrences first, each with its own count. */
  List<MergedGroup> members(UUID group) {
    return jdbc.sql(
            """
            SELECT id, fingerprint, type, message, count FROM error_groups
            WHERE merged_into = :group ORDER BY count DESC, id
            """)
        .param("group", group)
        .query(
            (rs, n) ->
                new MergedGroup(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getLong(5)))
        .list();
  }

  private Map<UUID, Row> rows(UUID app, Set<UUID> ids) {
    Map<UUID, Row> rows = new HashMap<>();
    jdbc.sql("SELECT id, merged_into FROM error_groups WHERE app_id = :app AND id IN (:ids)")
        .param("app", app)
        .param("ids", ids)
        .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
        .list()
        .forEach(r -> rows.put(r.id(), r));
    return rows;
  }

  /** The audit target: the merged group and the others, within the log's 1000 characters. */
  private static String target(AppAccess app, UUID group, Iterable<UUID> others) {
    StringBuilder s = new StringBuilder(app.name()).append(": ").append(group).append(" <-");
    for (UUID id : others) {
      if (s.length() + 37 > 1000) {
        s.append(" ...");
        break;
      }
      s.append(' ').append(id);
    }
    return s.toString();
  }

  private static ApiException concurrentChange() {
    return new ApiException(
        ErrorCode.CONFLICT, "These error groups were merged or unmerged meanwhile; try again.");
  }
}
