package io.upbeat.api.releases;

import io.upbeat.assignment.Assigner;
import io.upbeat.assignment.AssignmentStore;
import io.upbeat.assignment.Frame;
import io.upbeat.assignment.OwnershipRules;
import io.upbeat.assignment.Release;
import io.upbeat.storage.notify.NotificationKind;
import io.upbeat.storage.notify.NotificationOutbox;
import io.upbeat.storage.notify.NotificationPayload;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Assigns the error groups that appeared before CI posted their release: when the processor saw
 * them there were no commits to blame. Runs in the release post's transaction, for the groups first
 * seen in that version that nobody (person or processor) has assigned yet, from their newest stored
 * occurrence's stack, with the same rules as the processor.
 */
@Component
class LateTriage {
  private static final int MAX_GROUPS = 500;

  private final JdbcTemplate jdbc;
  private final JsonMapper json;
  private final Assigner assigner = new Assigner();

  LateTriage(JdbcTemplate jdbc, JsonMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  private record Candidate(
      UUID id, String type, String message, String culprit, String exceptionJson) {}

  /** Returns how many groups it assigned. */
  int run(UUID app, String environment, String version) {
    Integer assigned =
        jdbc.execute(
            (ConnectionCallback<Integer>)
                c -> {
                  List<Candidate> groups = unassigned(c, app, environment, version);
                  if (groups.isEmpty()) {
                    return 0;
                  }
                  List<Release> releases = AssignmentStore.candidates(c, app, environment, version);
                  OwnershipRules rules = AssignmentStore.rules(c, app);
                  int n = 0;
                  for (Candidate g : groups) {
                    Optional<Assigner.Assignment> a =
                        assigner.assign(frames(g.exceptionJson()), releases, rules);
                    if (a.isPresent() && AssignmentStore.save(c, g.id(), a.get())) {
                      notifyAssigned(c, app, g, a.get(), environment, version);
                      n++;
                    }
                  }
                  return n;
                });
    return assigned == null ? 0 : assigned;
  }

  private static List<Candidate> unassigned(
      Connection c, UUID app, String environment, String version) throws SQLException {
    List<Candidate> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT g.id, g.type, g.message, g.culprit,
              (SELECT o.exception::text FROM error_occurrences o
                WHERE o.group_id = g.id AND o.environment = ?
                ORDER BY o.occurred_at DESC, o.id DESC LIMIT 1)
            FROM error_groups g
            WHERE g.app_id = ? AND g.first_release = ? AND g.assignee_email IS NULL
              AND g.assignee_reason IS NULL AND g.suspect_sha IS NULL
              AND g.merged_into IS NULL
            ORDER BY g.first_seen LIMIT ?
            FOR UPDATE OF g
            """)) {
      ps.setString(1, environment);
      ps.setObject(2, app);
      ps.setString(3, version);
      ps.setInt(4, MAX_GROUPS);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (rs.getString(5) != null) {
            out.add(
                new Candidate(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5)));
          }
        }
      }
    }
    return out;
  }

  /** The stored exception chain's frames, root cause first, innermost frame first. */
  List<Frame> frames(String exceptionJson) {
    List<JsonNode> chain = new ArrayList<>();
    JsonNode e = json.readTree(exceptionJson);
    while (e != null && !e.isNull() && !e.isMissingNode() && chain.size() < 20) {
      chain.add(e);
      e = e.get("cause");
    }
    Collections.reverse(chain);
    List<Frame> frames = new ArrayList<>();
    for (JsonNode x : chain) {
      JsonNode stack = x.get("stacktrace");
      if (stack == null) {
        continue;
      }
      for (JsonNode f : stack) {
        frames.add(
            new Frame(
                text(f, "module"),
                text(f, "function"),
                text(f, "filename"),
                text(f, "path"),
                f.hasNonNull("lineno") ? f.get("lineno").asInt() : null,
                f.hasNonNull("in_app") && f.get("in_app").asBoolean()));
      }
    }
    return frames;
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asString() : null;
  }

  private void notifyAssigned(
      Connection c,
      UUID app,
      Candidate g,
      Assigner.Assignment a,
      String environment,
      String version)
      throws SQLException {
    NotificationOutbox.insert(
        c,
        app,
        NotificationKind.ASSIGNED,
        new NotificationPayload(
            g.id(),
            g.type(),
            g.message(),
            g.culprit(),
            version,
            environment,
            a.email(),
            a.reason()),
        null);
  }
}
