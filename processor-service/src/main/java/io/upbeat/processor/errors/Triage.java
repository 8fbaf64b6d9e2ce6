package io.upbeat.processor.errors;

import io.upbeat.assignment.Assigner;
import io.upbeat.assignment.Frame;
import io.upbeat.assignment.OwnershipRules;
import io.upbeat.assignment.Release;
import io.upbeat.assignment.SuspectFinder;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * What happens to a group when it appears or regresses, inside the errors pipeline's flush
 * transaction: find its suspect commit and assignee (never over a manual assignment), reopen a
 * resolved group when a newer release brings it back, and write the notifications to the outbox in
 * the same transaction, so none is lost and none is sent for a change that rolled back.
 */
final class Triage {
  private static final Logger log = LoggerFactory.getLogger(Triage.class);
  private static final Pattern NUMBER = Pattern.compile("\\d+");
  private static final JsonMapper JSON = JsonMapper.shared();

  private final Assigner assigner = new Assigner();

  /** The group as it stands after the flush's upsert. */
  record GroupState(
      UUID id,
      boolean created,
      String status,
      String assigneeReason,
      Instant resolvedAt,
      String resolvedInRelease,
      String resolvedEnvironment) {}

  /** Triage of a group that this flush created. */
  void created(Connection c, UUID app, GroupState group, GroupDelta d) throws SQLException {
    Optional<Assigner.Assignment> assignment = assign(c, app, group, d);
    notify(c, app, group.id(), "new_error", d, assignment);
    if (assignment.isPresent()) {
      notify(c, app, group.id(), "assigned", d, assignment);
    }
  }

  /**
   * Reopens a resolved group if the flush holds an event of a release deployed after the one it was
   * resolved in (or, without release information, an event after it was resolved).
   *
   * @return whether it regressed
   */
  boolean maybeRegressed(Connection c, UUID app, GroupState group, GroupDelta d)
      throws SQLException {
    if (!"resolved".equals(group.status()) || !regresses(c, app, group, d)) {
      return false;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE error_groups SET status = 'unresolved', regressed = true, resolved_at = NULL,
              resolved_in_release = NULL, resolved_environment = NULL
            WHERE id = ?
            """)) {
      ps.setObject(1, group.id());
      ps.executeUpdate();
    }
    Optional<Assigner.Assignment> assignment = assign(c, app, group, d);
    notify(c, app, group.id(), "regression", d, assignment);
    return true;
  }

  private boolean regresses(Connection c, UUID app, GroupState group, GroupDelta d)
      throws SQLException {
    Instant resolvedDeploy =
        group.resolvedInRelease() == null
            ? null
            : deployedAt(c, app, group.resolvedEnvironment(), group.resolvedInRelease());
    for (Map.Entry<List<String>, Instant> e : d.latestByRelease.entrySet()) {
      String environment = e.getKey().get(0);
      String release = e.getKey().get(1);
      Instant eventRelease = release == null ? null : deployedAt(c, app, environment, release);
      if (resolvedDeploy != null && eventRelease != null) {
        if (eventRelease.isAfter(resolvedDeploy)) {
          return true; // a newer release brought it back
        }
      } else if (release != null && release.equals(group.resolvedInRelease())) {
        // the very release it was resolved in: never a regression, however late it arrives
      } else if (group.resolvedAt() != null && e.getValue().isAfter(group.resolvedAt())) {
        return true; // no release to compare: an event after the resolution
      }
    }
    return false;
  }

  private static Instant deployedAt(Connection c, UUID app, String environment, String version)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT deployed_at FROM releases WHERE app_id = ? AND version = ?
            ORDER BY (environment = ?) DESC, deployed_at DESC LIMIT 1
            """)) {
      ps.setObject(1, app);
      ps.setString(2, version);
      ps.setString(3, environment);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getTimestamp(1).toInstant() : null;
      }
    }
  }

  /** Finds and stores the suspect and assignee, unless a person assigned the group. */
  private Optional<Assigner.Assignment> assign(
      Connection c, UUID app, GroupState group, GroupDelta d) throws SQLException {
    if ("manual".equals(group.assigneeReason()) || d.lastException == null) {
      return Optional.empty();
    }
    List<Release> releases = candidates(c, app, d.lastEnvironment, d.lastRelease);
    OwnershipRules rules = rules(c, app);
    Optional<Assigner.Assignment> assignment =
        assigner.assign(frames(d.lastException), releases, rules);
    if (assignment.isEmpty()) {
      return assignment;
    }
    Assigner.Assignment a = assignment.get();
    Optional<SuspectFinder.Suspect> s = a.suspect();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE error_groups SET assignee_email = ?, assignee_reason = ?,
              suspect_sha = ?, suspect_author_email = ?, suspect_message = ?, suspect_path = ?,
              suspect_lines = ?::jsonb, suspect_frame = ?, suspect_release = ?
            WHERE id = ? AND (assignee_reason IS NULL OR assignee_reason <> 'manual')
            """)) {
      ps.setString(1, a.email());
      ps.setString(2, a.reason());
      ps.setString(3, s.map(x -> x.commit().sha()).orElse(null));
      ps.setString(4, s.map(x -> x.commit().authorEmail()).orElse(null));
      ps.setString(5, s.map(x -> x.commit().message()).orElse(null));
      ps.setString(6, s.map(x -> x.file().path()).orElse(null));
      String lines =
          s.filter(x -> x.file().lines() != null)
              .map(
                  x ->
                      JSON.writeValueAsString(
                          x.file().lines().stream().map(r -> List.of(r.start(), r.end())).toList()))
              .orElse(null);
      if (lines == null) {
        ps.setNull(7, Types.VARCHAR);
      } else {
        ps.setString(7, lines);
      }
      ps.setString(
          8,
          s.map(x -> x.frame().module() + "." + x.frame().function() + ":" + x.frame().lineno())
              .orElse(null));
      ps.setString(9, s.map(SuspectFinder.Suspect::releaseVersion).orElse(null));
      ps.setObject(10, group.id());
      ps.executeUpdate();
    }
    log.debug("Assigned group {} to {}: {}", group.id(), a.email(), a.reason());
    return assignment;
  }

  /** The chain's frames, root cause first, each exception's innermost frame first. */
  static List<Frame> frames(ExceptionInfo top) {
    List<ExceptionInfo> chain = new ArrayList<>();
    for (ExceptionInfo e = top; e != null && chain.size() < 20; e = e.cause()) {
      chain.add(e);
    }
    Collections.reverse(chain);
    List<Frame> frames = new ArrayList<>();
    for (ExceptionInfo e : chain) {
      for (StackFrame f : e.stacktrace()) {
        frames.add(
            new Frame(
                f.module(),
                f.function(),
                f.filename(),
                f.path(),
                f.lineno(),
                Boolean.TRUE.equals(f.inApp())));
      }
    }
    return frames;
  }

  /** The event's release and up to five earlier ones of its app and environment, newest first. */
  private static List<Release> candidates(
      Connection c, UUID app, String environment, String version) throws SQLException {
    if (version == null) {
      return List.of();
    }
    String env = environment == null ? "production" : environment;
    record Row(String version, Instant deployedAt) {}
    Map<UUID, Row> releases = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT id, version, deployed_at FROM releases
            WHERE app_id = ? AND environment = ? AND deployed_at <= (
              SELECT deployed_at FROM releases
              WHERE app_id = ? AND environment = ? AND version = ?)
            ORDER BY deployed_at DESC, created_at DESC LIMIT 6
            """)) {
      ps.setObject(1, app);
      ps.setString(2, env);
      ps.setObject(3, app);
      ps.setString(4, env);
      ps.setString(5, version);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          releases.put(
              rs.getObject(1, UUID.class),
              new Row(rs.getString(2), rs.getTimestamp(3).toInstant()));
        }
      }
    }
    List<Release> out = new ArrayList<>();
    for (Map.Entry<UUID, Row> r : releases.entrySet()) {
      out.add(
          new Release(r.getValue().version(), r.getValue().deployedAt(), commits(c, r.getKey())));
    }
    return out;
  }

  private static List<Release.Commit> commits(Connection c, UUID release) throws SQLException {
    record Head(String sha, String email, String message, Instant at, int position) {}
    Map<String, Head> heads = new LinkedHashMap<>();
    Map<String, List<Release.FileChange>> files = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT c.sha, c.author_email, c.message, c.committed_at, c.position,
              f.path, f.change, f.lines::text
            FROM release_commits c
            LEFT JOIN release_commit_files f ON f.release_id = c.release_id AND f.sha = c.sha
            WHERE c.release_id = ? ORDER BY c.position, f.path
            """)) {
      ps.setObject(1, release);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String sha = rs.getString(1);
          Timestamp at = rs.getTimestamp(4);
          heads.putIfAbsent(
              sha,
              new Head(
                  sha,
                  rs.getString(2),
                  rs.getString(3),
                  at == null ? null : at.toInstant(),
                  rs.getInt(5)));
          List<Release.FileChange> list = files.computeIfAbsent(sha, k -> new ArrayList<>());
          if (rs.getString(6) != null) {
            list.add(
                new Release.FileChange(rs.getString(6), rs.getString(7), ranges(rs.getString(8))));
          }
        }
      }
    }
    List<Release.Commit> out = new ArrayList<>();
    for (Head h : heads.values()) {
      out.add(
          new Release.Commit(
              h.sha(), h.email(), h.message(), h.at(), h.position(), files.get(h.sha())));
    }
    return out;
  }

  /** {@code [[40, 48], [50, 50]]} as ranges; null stays null. */
  static List<Release.LineRange> ranges(String json) {
    if (json == null) {
      return null;
    }
    List<Integer> numbers = new ArrayList<>();
    Matcher m = NUMBER.matcher(json);
    while (m.find()) {
      numbers.add(Integer.parseInt(m.group()));
    }
    List<Release.LineRange> out = new ArrayList<>();
    for (int i = 0; i + 1 < numbers.size(); i += 2) {
      out.add(new Release.LineRange(numbers.get(i), numbers.get(i + 1)));
    }
    return out;
  }

  private static OwnershipRules rules(Connection c, UUID app) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT rules FROM ownership_rules WHERE app_id = ?")) {
      ps.setObject(1, app);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return OwnershipRules.NONE;
        }
        try {
          return OwnershipRules.parse(rs.getString(1));
        } catch (OwnershipRules.InvalidRuleException e) {
          log.warn(
              "Ownership rules of app {} are invalid ({}); ignoring them", app, e.getMessage());
          return OwnershipRules.NONE;
        }
      }
    }
  }

  private static void notify(
      Connection c,
      UUID app,
      UUID group,
      String kind,
      GroupDelta d,
      Optional<Assigner.Assignment> assignment)
      throws SQLException {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("group_id", group.toString());
    payload.put("type", d.type);
    payload.put("message", d.message);
    payload.put("culprit", d.culprit);
    payload.put("release", d.lastRelease);
    payload.put("environment", d.lastEnvironment);
    payload.put("assignee_email", assignment.map(Assigner.Assignment::email).orElse(null));
    payload.put("reason", assignment.map(Assigner.Assignment::reason).orElse(null));
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO notifications (id, app_id, group_id, kind, payload)"
                + " VALUES (?, ?, ?, ?, ?::jsonb)")) {
      ps.setObject(1, UUID.randomUUID());
      ps.setObject(2, app);
      ps.setObject(3, group);
      ps.setString(4, kind);
      ps.setString(5, JSON.writeValueAsString(payload));
      ps.executeUpdate();
    }
  }
}
