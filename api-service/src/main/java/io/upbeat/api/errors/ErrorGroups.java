package io.upbeat.api.errors;

import io.upbeat.api.errors.ErrorPayloads.Assignee;
import io.upbeat.api.errors.ErrorPayloads.ErrorGroup;
import io.upbeat.api.errors.ErrorPayloads.ErrorPage;
import io.upbeat.api.errors.ErrorPayloads.HourlyCount;
import io.upbeat.api.errors.ErrorPayloads.IgnoreUntil;
import io.upbeat.api.errors.ErrorPayloads.Occurrence;
import io.upbeat.api.errors.ErrorPayloads.SuspectCommit;
import io.upbeat.api.params.Times;
import io.upbeat.storage.notify.NotificationKind;
import io.upbeat.storage.notify.NotificationOutbox;
import io.upbeat.storage.notify.NotificationPayload;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads the error groups the processor writes, and changes the two things people decide: status and
 * assignee. Every query is scoped to one app, so a group id of another app is simply absent.
 */
@Repository
class ErrorGroups {
  private static final String COLUMNS =
      "g.id, g.type, g.message, g.culprit, g.count, g.first_seen, g.last_seen, g.first_release,"
          + " g.last_release, g.status, g.assignee_email, g.assignee_reason, g.fingerprint,"
          + " g.regressed, g.resolved_at, g.resolved_in_release, g.resolved_environment,"
          + " g.ignore_until_count, g.ignore_until_at, g.ignore_until_release, g.ignored_at,"
          // The assignee as a member of the app's org, when one has that e-mail.
          + " (SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id"
          + " JOIN apps a ON a.org_id = m.org_id WHERE a.id = g.app_id"
          + " AND lower(u.email) = lower(g.assignee_email)) AS assignee_user_id,"
          + " (SELECT u.name FROM users u JOIN memberships m ON m.user_id = u.id"
          + " JOIN apps a ON a.org_id = m.org_id WHERE a.id = g.app_id"
          + " AND lower(u.email) = lower(g.assignee_email)) AS assignee_user_name";

  /** What only the detail shows: the suspect commit. */
  private static final String SUSPECT_COLUMNS =
      "g.suspect_sha, g.suspect_author_email, g.suspect_message, g.suspect_path,"
          + " g.suspect_lines::text AS suspect_lines, g.suspect_frame, g.suspect_release";

  static final String RESOLVED = "resolved";

  /** Set on a person's assignment or unassignment; automatic assigners leave such groups alone. */
  static final String MANUAL = "manual";

  private final JdbcClient jdbc;
  private final JdbcTemplate template;
  private final TransactionTemplate tx;
  private final Clock clock;

  ErrorGroups(JdbcClient jdbc, JdbcTemplate template, TransactionTemplate tx, Clock clock) {
    this.template = template;
    this.jdbc = jdbc;
    this.tx = tx;
    this.clock = clock;
  }

  /** A group with what lists leave out: its fingerprint and suspect commit (or null). */
  record Found(ErrorGroup group, String fingerprint, SuspectCommit suspect) {}

  ErrorPage list(UUID app, ListQuery q) {
    Map<String, Object> params = new HashMap<>();
    params.put("app", app);
    List<Condition> where = new ArrayList<>();
    if (q.status() != null) {
      where.add(Condition.onGroup("g.status = :status"));
      params.put("status", q.status());
    }
    if (q.release() != null) {
      where.add(Condition.onGroup("g.first_release = :release"));
      params.put("release", q.release());
    }
    if (ListQuery.UNASSIGNED.equals(q.assignee())) {
      where.add(Condition.onGroup("g.assignee_email IS NULL"));
    } else if (q.assignee() != null) {
      where.add(Condition.onGroup("lower(g.assignee_email) = :assignee"));
      params.put("assignee", q.assignee());
    }
    if (q.environment() != null) {
      where.add(Condition.onData(occurrenceWith("o.environment = :environment")));
      params.put("environment", q.environment());
    }
    search(q.search(), where, params);
    if (q.from() != null || q.to() != null) {
      // first_seen and last_seen bound the group's life exactly; the hourly counts then tell
      // whether it occurred inside the window, to the hour.
      StringBuilder hourly =
          new StringBuilder("EXISTS (SELECT 1 FROM error_hourly h WHERE h.group_id = g.id");
      if (q.from() != null) {
        where.add(Condition.onGroup("g.last_seen >= :from"));
        hourly.append(" AND h.hour >= :from_hour");
        params.put("from", Times.bind(q.from()));
        params.put("from_hour", Times.bind(q.from().truncatedTo(ChronoUnit.HOURS)));
      }
      if (q.to() != null) {
        where.add(Condition.onGroup("g.first_seen < :to"));
        hourly.append(" AND h.hour < :to");
        params.put("to", Times.bind(q.to()));
      }
      where.add(Condition.onData(hourly.append(")").toString()));
    }
    String key = q.sort().param(); // from the enum, never from the request
    if (q.cursor() != null) {
      where.add(Condition.onGroup("(g." + key + ", g.id) < (:after_key, :after_id)"));
      params.put("after_key", q.cursor().keyValue());
      params.put("after_id", q.cursor().id());
    }
    String order = " ORDER BY g." + key + " DESC, g.id DESC LIMIT :limit";
    StringBuilder single =
        new StringBuilder("SELECT " + COLUMNS + " FROM error_groups g WHERE g.app_id = :app")
            .append(" AND g.merged_into IS NULL AND NOT g.has_members");
    StringBuilder merged =
        new StringBuilder("SELECT " + COLUMNS + " FROM " + FAMILY + " WHERE t.app_id = :app")
            .append(" AND t.has_members");
    for (Condition c : where) {
      single.append(" AND ").append(c.sql());
      merged.append(" AND ").append(c.data() ? inFamily(c.sql()) : c.sql());
    }
    // Two statements, each ordered and stopping at the page's end: the groups nobody merged
    // (nearly all; the statement and its plans are the ones the list always had) and the merged
    // groups (few, each added up with its members), then the page of both. Not one UNION: under
    // an outer LIMIT, PostgreSQL's generic plan expects to stop after a few rows and walks the
    // whole sort index instead of the trigram index (seconds for a word no group has).
    params.put("limit", q.limit() + 1);
    List<ErrorGroup> rows =
        new ArrayList<>(jdbc.sql(single + order).params(params).query((rs, n) -> group(rs)).list());
    rows.addAll(jdbc.sql(merged + order).params(params).query((rs, n) -> group(rs)).list());
    rows.sort(pageOrder(q.sort()));
    if (rows.size() > q.limit() + 1) {
      rows = rows.subList(0, q.limit() + 1);
    }
    if (rows.size() <= q.limit()) {
      return new ErrorPage(rows, null);
    }
    List<ErrorGroup> page = rows.subList(0, q.limit());
    return new ErrorPage(page, Cursor.after(q.sort(), page.getLast()).encode());
  }

  /**
   * The list's order: the sort key, then the id, both descending, ids compared as PostgreSQL does.
   */
  private static Comparator<ErrorGroup> pageOrder(Sort sort) {
    Comparator<ErrorGroup> byKey = Comparator.comparingLong(g -> Cursor.after(sort, g).key());
    Comparator<ErrorGroup> byId =
        (a, b) -> {
          // uuid order in PostgreSQL is that of its 16 bytes, unsigned
          int c =
              Long.compareUnsigned(
                  a.id().getMostSignificantBits(), b.id().getMostSignificantBits());
          return c != 0
              ? c
              : Long.compareUnsigned(
                  a.id().getLeastSignificantBits(), b.id().getLeastSignificantBits());
        };
    return byKey.thenComparing(byId).reversed();
  }

  /**
   * One condition of a list query on {@code g}. A condition on the group's triage (status,
   * assignee) or on its totals (count, first and last seen and release) applies to a merged group
   * as it stands, totals added up; a condition on its data (text, occurrences, hourly counts) holds
   * for a merged group when it holds for the group or one of its members.
   */
  private record Condition(String sql, boolean data) {
    static Condition onGroup(String sql) {
      return new Condition(sql, false);
    }

    static Condition onData(String sql) {
      return new Condition(sql, true);
    }
  }

  /**
   * A merged group {@code t} with its members' totals added up, as {@code g}: a row of {@code
   * error_groups} whose count is the sum, first_seen and last_seen the earliest and latest (with
   * their releases), everything else the target's own. Written on the row type itself, so every
   * column the list or detail reads is there.
   */
  static final String FAMILY =
      """
      error_groups t
      CROSS JOIN LATERAL (
        SELECT sum(f.count) AS count, min(f.first_seen) AS first_seen,
          max(f.last_seen) AS last_seen,
          (array_agg(f.first_release ORDER BY f.first_seen, f.id <> t.id))[1] AS first_release,
          (array_agg(f.last_release ORDER BY f.last_seen DESC, f.id <> t.id))[1] AS last_release
        FROM error_groups f WHERE f.id = t.id OR f.merged_into = t.id) total
      CROSS JOIN LATERAL jsonb_populate_record(t, jsonb_build_object(
        'count', total.count, 'first_seen', total.first_seen, 'last_seen', total.last_seen,
        'first_release', total.first_release, 'last_release', total.last_release)) g
      """;

  /**
   * {@code condition}, written on {@code g}, held by a merged group {@code t} or one of its members
   * (the inner {@code g} hides the outer one).
   */
  private static String inFamily(String condition) {
    return "EXISTS (SELECT 1 FROM error_groups g WHERE (g.id = t.id OR g.merged_into = t.id)"
        + " AND "
        + condition
        + ")";
  }

  /**
   * The text free words are matched against: exactly the expression of the trigram index of
   * migration V21, so PostgreSQL can use it. Queries hold no control characters, so no word matches
   * across the newlines between the fields.
   */
  static final String SEARCHED_TEXT =
      "(g.type || E'\\n' || coalesce(g.message, '') || E'\\n' || coalesce(g.culprit, ''))";

  /** A condition on the group's stored occurrences (at most the newest the processor keeps). */
  private static String occurrenceWith(String condition) {
    return "EXISTS (SELECT 1 FROM error_occurrences o WHERE o.group_id = g.id AND "
        + condition
        + ")";
  }

  /**
   * Appends the search's conditions, every value bound as a parameter. Tags are matched by
   * containment (string values), which the GIN index of migration V21 serves. Free words as ILIKE
   * patterns with LIKE's metacharacters escaped, so {@code %}, {@code _} and {@code \} match
   * themselves.
   */
  private static void search(SearchQuery s, List<Condition> where, Map<String, Object> params) {
    int i = 0;
    for (String word : s.words()) {
      String name = "w" + i++;
      where.add(Condition.onData(SEARCHED_TEXT + " ILIKE :" + name));
      params.put(name, "%" + escapeLike(word) + "%");
    }
    for (String status : s.statuses()) {
      String name = "s" + i++;
      where.add(Condition.onGroup("g.status = :" + name));
      params.put(name, status);
    }
    for (String who : s.assignees()) {
      if (ListQuery.UNASSIGNED.equals(who)) {
        where.add(Condition.onGroup("g.assignee_email IS NULL"));
      } else {
        String name = "a" + i++;
        where.add(Condition.onGroup("lower(g.assignee_email) = :" + name));
        params.put(name, who);
      }
    }
    for (String release : s.releases()) {
      String name = "r" + i++;
      where.add(
          Condition.onData(
              "(g.first_release = :"
                  + name
                  + " OR g.last_release = :"
                  + name
                  + " OR "
                  + occurrenceWith("o.release = :" + name)
                  + ")"));
      params.put(name, release);
    }
    for (String release : s.firstReleases()) {
      String name = "f" + i++;
      where.add(Condition.onGroup("g.first_release = :" + name));
      params.put(name, release);
    }
    for (String env : s.environments()) {
      String name = "e" + i++;
      where.add(Condition.onData(occurrenceWith("o.environment = :" + name)));
      params.put(name, env);
    }
    for (String user : s.users()) {
      String name = "u" + i++;
      where.add(Condition.onData(occurrenceWith("o.context -> 'user' ->> 'id' = :" + name)));
      params.put(name, user);
    }
    for (SearchQuery.Tag tag : s.tags()) {
      String key = "tk" + i;
      String value = "tv" + i++;
      where.add(
          Condition.onData(
              occurrenceWith(
                  "o.context -> 'tags' @> jsonb_build_object(CAST(:"
                      + key
                      + " AS text), CAST(:"
                      + value
                      + " AS text))")));
      params.put(key, tag.key());
      params.put(value, tag.value());
    }
  }

  /** {@code s} as a LIKE pattern matching exactly it (backslash is LIKE's default escape). */
  static String escapeLike(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  Optional<Found> find(UUID app, UUID group) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + ", "
                + SUSPECT_COLUMNS
                + " FROM "
                + FAMILY
                + " WHERE t.id = :id AND t.app_id = :app")
        .param("id", group)
        .param("app", app)
        .query((rs, n) -> new Found(group(rs), rs.getString("fingerprint"), suspect(rs)))
        .optional();
  }

  /** The ids of group {@code :group} and of the groups merged into it. */
  static final String FAMILY_IDS =
      "SELECT f.id FROM error_groups f WHERE f.id = :group OR f.merged_into = :group";

  /**
   * One count per hour from {@code from}'s hour up to {@code to} (exclusive), zeros included; a
   * merged group's are its own and its members' added up.
   */
  List<HourlyCount> hourly(UUID group, Instant from, Instant to) {
    Instant first = from.truncatedTo(ChronoUnit.HOURS);
    Map<Instant, Long> counts = new HashMap<>();
    jdbc.sql(
            """
            SELECT hour, sum(count) AS count FROM error_hourly
            WHERE group_id IN (%s) AND hour >= :from AND hour < :to
            GROUP BY hour
            """
                .formatted(FAMILY_IDS))
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

  /** A file a commit changed, with its changed line ranges as stored (JSON text, or null). */
  record CommitFile(String path, String change, String lines) {}

  /**
   * Every file the suspect commit changed, as CI posted it with the release that brought it (or,
   * when that release is unknown, with any of the app's releases holding the commit).
   */
  List<CommitFile> commitFiles(UUID app, String sha, String release) {
    return jdbc.sql(
            """
            SELECT DISTINCT ON (f.path) f.path, f.change, f.lines::text AS lines
            FROM release_commit_files f JOIN releases r ON r.id = f.release_id
            WHERE r.app_id = :app AND f.sha = :sha
              AND (CAST(:release AS text) IS NULL OR r.version = :release)
            ORDER BY f.path, r.deployed_at DESC
            LIMIT 1000
            """)
        .param("app", app)
        .param("sha", sha)
        .param("release", release)
        .query((rs, n) -> new CommitFile(rs.getString(1), rs.getString(2), rs.getString(3)))
        .list();
  }

  /**
   * The group's stored occurrences (in {@code environment}, unless null), newest first; a merged
   * group's are its own and its members'.
   */
  List<Occurrence> occurrences(UUID group, String environment, int limit) {
    return jdbc.sql(
            """
            SELECT id, occurred_at, event_id, environment, release, transaction_name, message,
              exception::text AS exception, context::text AS context, trace_id, transaction_id,
              parent_id
            FROM error_occurrences WHERE group_id IN (%s)
              AND (CAST(:environment AS text) IS NULL OR environment = :environment)
            ORDER BY occurred_at DESC, id DESC LIMIT :limit
            """
                .formatted(FAMILY_IDS))
        .param("group", group)
        .param("environment", environment)
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
                    rs.getString("context"),
                    rs.getString("trace_id"),
                    rs.getString("transaction_id"),
                    rs.getString("parent_id")))
        .list();
  }

  /**
   * Applies a person's change in one transaction, with the group's row locked, so concurrent
   * changes never mix halves. Resolving records when, and against which release, the group was
   * resolved (see {@link #RESOLVE}); any other status clears that. A manual assignment writes an
   * {@code assigned} notification to the outbox in the same transaction, so it is sent if and only
   * if the assignment is stored (unless a person had already assigned that same address).
   *
   * @param caller the e-mail of the person making the change, named in the notification
   * @return the changed group, or empty if the app has no such group
   */
  Optional<ErrorGroup> update(UUID app, UUID group, ErrorUpdate change, String caller) {
    return tx.execute(status -> updateLocked(app, group, change, caller));
  }

  /**
   * Resolution: the environment of the group's newest occurrence, and the newest release (by deploy
   * time) of the app in that environment. Either is null when there is none.
   */
  private static final String RESOLVE =
      """
      WITH env AS (
        SELECT o.environment FROM error_occurrences o
        WHERE o.group_id IN (SELECT f.id FROM error_groups f WHERE f.id = :id OR f.merged_into = :id)
        ORDER BY o.occurred_at DESC, o.id DESC LIMIT 1),
      rel AS (
        SELECT r.version FROM releases r
        WHERE r.app_id = :app AND r.environment = (SELECT environment FROM env)
        ORDER BY r.deployed_at DESC, r.created_at DESC LIMIT 1)
      """;

  private Optional<ErrorGroup> updateLocked(
      UUID app, UUID requested, ErrorUpdate change, String caller) {
    // A merged group's triage is its target's: a member's id stands for the group it is in.
    Optional<UUID> target =
        jdbc.sql(
                "SELECT coalesce(merged_into, id) FROM error_groups WHERE id = :id AND app_id = :app")
            .param("id", requested)
            .param("app", app)
            .query(UUID.class)
            .optional();
    if (target.isEmpty()) {
      return Optional.empty();
    }
    UUID group = target.get();
    Optional<Previous> before =
        jdbc.sql(
                """
                SELECT status, assignee_email, assignee_reason FROM error_groups
                WHERE id = :id AND app_id = :app FOR UPDATE
                """)
            .param("id", group)
            .param("app", app)
            .query((rs, n) -> new Previous(rs.getString(1), rs.getString(2), rs.getString(3)))
            .optional();
    if (before.isEmpty()) {
      return Optional.empty();
    }
    List<String> sets = new ArrayList<>();
    Map<String, Object> params = new HashMap<>();
    params.put("id", group);
    params.put("app", app);
    String prefix = "";
    if (change.status() != null) {
      sets.add("status = :status");
      params.put("status", change.status());
      ignoreUntil(change.ignoreUntil(), sets, params);
      if (!RESOLVED.equals(change.status())) {
        sets.add("resolved_at = NULL");
        sets.add("resolved_in_release = NULL");
        sets.add("resolved_environment = NULL");
      } else if (!RESOLVED.equals(before.get().status())) {
        // Resolving a resolved group again keeps what was recorded the first time.
        prefix = RESOLVE;
        sets.add("resolved_at = :now");
        sets.add("resolved_environment = (SELECT environment FROM env)");
        sets.add("resolved_in_release = (SELECT version FROM rel)");
        sets.add("regressed = false");
        params.put("now", Times.bind(clock.instant()));
      }
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
        prefix
            + "UPDATE error_groups g SET "
            + String.join(", ", sets)
            + " WHERE g.id = :id AND g.app_id = :app";
    jdbc.sql(sql).params(params).update();
    // Read back with the members' totals, which a merged group's item shows.
    ErrorGroup updated = find(app, group).orElseThrow().group();
    String email = change.assigneeEmail();
    if (email != null && !before.get().manuallyAssigned(email)) {
      notifyAssigned(app, updated, email, caller);
    }
    return Optional.of(updated);
  }

  /**
   * Any change of status replaces the ignore condition: none, or the one given with {@code
   * ignored}. A count is stored as the count to reach, a duration as the time to pass, so the
   * processor compares without knowing when the group was ignored (except for the next release).
   */
  private void ignoreUntil(
      ErrorUpdate.IgnoreUntil until, List<String> sets, Map<String, Object> params) {
    Long count = until == null ? null : until.count();
    Long minutes = until == null ? null : until.minutes();
    boolean nextRelease = until != null && until.nextRelease();
    // A merged group's count is its members' too, as the processor counts it (Triage).
    sets.add(
        "ignore_until_count = CAST(:ignore_count AS bigint) + (SELECT sum(f.count)"
            + " FROM error_groups f WHERE f.id = g.id OR f.merged_into = g.id)");
    params.put("ignore_count", count);
    sets.add("ignore_until_at = CAST(:ignore_at AS timestamptz)");
    params.put(
        "ignore_at",
        minutes == null ? null : Times.bind(clock.instant().plusSeconds(60 * minutes)));
    sets.add("ignore_until_release = :ignore_release");
    params.put("ignore_release", nextRelease);
    sets.add("ignored_at = CAST(:ignored_at AS timestamptz)");
    params.put("ignored_at", until == null ? null : Times.bind(clock.instant()));
  }

  private record Previous(String status, String assigneeEmail, String assigneeReason) {
    /** Whether a person already assigned this very address: assigning it again is no news. */
    boolean manuallyAssigned(String email) {
      return MANUAL.equals(assigneeReason) && email.equalsIgnoreCase(assigneeEmail);
    }
  }

  /** The outbox row for a manual assignment; the notifier delivers it after the commit. */
  private void notifyAssigned(UUID app, ErrorGroup group, String assignee, String caller) {
    NotificationPayload payload =
        new NotificationPayload(
            group.id(),
            group.type(),
            group.message(),
            group.culprit(),
            null,
            null,
            assignee,
            "assigned by " + caller);
    template.execute(
        (ConnectionCallback<UUID>)
            c ->
                NotificationOutbox.insert(
                    c, app, NotificationKind.ASSIGNED, payload, clock.instant()));
  }

  private static SuspectCommit suspect(ResultSet rs) throws SQLException {
    String sha = rs.getString("suspect_sha");
    if (sha == null) {
      return null;
    }
    return new SuspectCommit(
        sha,
        rs.getString("suspect_author_email"),
        rs.getString("suspect_message"),
        rs.getString("suspect_path"),
        rs.getString("suspect_lines"),
        rs.getString("suspect_frame"),
        rs.getString("suspect_release"));
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
        email == null
            ? null
            : new Assignee(
                email,
                rs.getString("assignee_reason"),
                rs.getObject("assignee_user_id") == null
                    ? null
                    : new ErrorPayloads.Member(
                        rs.getObject("assignee_user_id", UUID.class),
                        rs.getString("assignee_user_name"))),
        rs.getBoolean("regressed"),
        Times.read(rs, "resolved_at"),
        rs.getString("resolved_in_release"),
        rs.getString("resolved_environment"),
        ignoreUntil(rs));
  }

  /** The condition an ignored group is reopened on (see {@link IgnoreUntil}), or null. */
  private static IgnoreUntil ignoreUntil(ResultSet rs) throws SQLException {
    if (!"ignored".equals(rs.getString("status"))) {
      return null;
    }
    long target = rs.getLong("ignore_until_count");
    boolean byCount = !rs.wasNull();
    return IgnoreUntil.of(
        byCount ? target : null,
        rs.getLong("count"),
        Times.read(rs, "ignore_until_at"),
        rs.getBoolean("ignore_until_release"),
        Times.read(rs, "ignored_at"));
  }
}
