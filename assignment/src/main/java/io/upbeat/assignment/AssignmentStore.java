package io.upbeat.assignment;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assignment's database side (plain JDBC, on the caller's connection and transaction): the
 * candidate releases with their commits and files, an app's ownership rules, and storing a verdict.
 * Shared by the processor (new and regressed groups) and the API (groups that appeared before CI
 * posted their release).
 */
public final class AssignmentStore {
  private static final Pattern NUMBER = Pattern.compile("\\d+");

  private AssignmentStore() {}

  /**
   * The release {@code version} of the app in {@code environment} and up to {@link
   * SuspectFinder#MAX_RELEASES} - 1 earlier ones by {@code deployed_at}, newest first; empty when
   * that release was not posted (yet).
   */
  public static List<Release> candidates(Connection c, UUID app, String environment, String version)
      throws SQLException {
    if (version == null) {
      return List.of();
    }
    String env = environment == null ? "production" : environment;
    record Head(String version, Instant deployedAt) {}
    Map<UUID, Head> releases = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT id, version, deployed_at FROM releases
            WHERE app_id = ? AND environment = ? AND deployed_at <= (
              SELECT deployed_at FROM releases
              WHERE app_id = ? AND environment = ? AND version = ?)
            ORDER BY deployed_at DESC, created_at DESC LIMIT ?
            """)) {
      ps.setObject(1, app);
      ps.setString(2, env);
      ps.setObject(3, app);
      ps.setString(4, env);
      ps.setString(5, version);
      ps.setInt(6, SuspectFinder.MAX_RELEASES);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          releases.put(
              rs.getObject(1, UUID.class),
              new Head(rs.getString(2), rs.getTimestamp(3).toInstant()));
        }
      }
    }
    List<Release> out = new ArrayList<>();
    for (Map.Entry<UUID, Head> r : releases.entrySet()) {
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

  /**
   * Stores an assignment and its suspect commit on a group, unless a person assigned the group
   * meanwhile.
   *
   * @return whether the group was updated
   */
  public static boolean save(Connection c, UUID group, Assigner.Assignment a) throws SQLException {
    java.util.Optional<SuspectFinder.Suspect> s = a.suspect();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE error_groups SET assignee_email = ?, assignee_reason = ?,
              suspect_sha = ?, suspect_author_email = ?, suspect_message = ?, suspect_path = ?,
              suspect_lines = CAST(? AS jsonb), suspect_frame = ?, suspect_release = ?
            WHERE id = ? AND (assignee_reason IS NULL OR assignee_reason <> 'manual')
            """)) {
      ps.setString(1, a.email());
      ps.setString(2, a.reason());
      ps.setString(3, s.map(x -> x.commit().sha()).orElse(null));
      ps.setString(4, s.map(x -> x.commit().authorEmail()).orElse(null));
      ps.setString(5, s.map(x -> x.commit().message()).orElse(null));
      ps.setString(6, s.map(x -> x.file().path()).orElse(null));
      ps.setString(
          7,
          s.filter(x -> x.file().lines() != null)
              .map(
                  x ->
                      "["
                          + String.join(
                              ",",
                              x.file().lines().stream()
                                  .map(r -> "[" + r.start() + "," + r.end() + "]")
                                  .toList())
                          + "]")
              .orElse(null));
      ps.setString(8, s.map(SuspectFinder.Suspect::frameLabel).orElse(null));
      ps.setString(9, s.map(SuspectFinder.Suspect::releaseVersion).orElse(null));
      ps.setObject(10, group);
      return ps.executeUpdate() == 1;
    }
  }

  /** The app's ownership rules; none when it has none or they no longer parse. */
  public static OwnershipRules rules(Connection c, UUID app) throws SQLException {
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
          return OwnershipRules.NONE;
        }
      }
    }
  }
}
