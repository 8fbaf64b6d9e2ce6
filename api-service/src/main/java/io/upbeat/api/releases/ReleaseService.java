package io.upbeat.api.releases;

import io.upbeat.api.params.Problems;
import io.upbeat.api.releases.ReleasePayloads.Commit;
import io.upbeat.api.releases.ReleasePayloads.CommitRequest;
import io.upbeat.api.releases.ReleasePayloads.FileChange;
import io.upbeat.api.releases.ReleasePayloads.FileRequest;
import io.upbeat.api.releases.ReleasePayloads.LatestRelease;
import io.upbeat.api.releases.ReleasePayloads.NewError;
import io.upbeat.api.releases.ReleasePayloads.ReleaseDetail;
import io.upbeat.api.releases.ReleasePayloads.ReleaseItem;
import io.upbeat.api.releases.ReleasePayloads.ReleaseRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stores releases idempotently and reads them back. A release is keyed by (app, environment,
 * version); posting it again adds the commits whose sha it does not have yet and leaves the rest as
 * first posted, so a retried or re-run CI job changes nothing.
 */
@Service
class ReleaseService {
  private static final TypeReference<List<List<Integer>>> RANGES = new TypeReference<>() {};

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final JsonMapper json;
  private final LateTriage lateTriage;

  ReleaseService(
      JdbcClient jdbc,
      TransactionTemplate tx,
      Clock clock,
      JsonMapper json,
      LateTriage lateTriage) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.clock = clock;
    this.json = json;
    this.lateTriage = lateTriage;
  }

  record Posted(boolean created, ReleaseDetail release) {}

  /** A validated commit, ready to store. */
  private record NewCommit(
      String sha,
      String authorName,
      String authorEmail,
      Instant timestamp,
      String message,
      List<NewFile> files) {}

  private record NewFile(String path, String change, String linesJson) {}

  Posted post(UUID app, ReleaseRequest r) {
    Problems problems = new Problems();
    Instant deployedAt = problems.timestamp("deployed_at", r.deployedAt());
    List<NewCommit> commits = commits(r.commits(), problems);
    problems.throwIfAny("The release is invalid.");
    String environment =
        r.environment() == null ? ReleasesController.DEFAULT_ENVIRONMENT : r.environment();
    String version = r.version();
    String headSha = r.headSha() == null ? null : r.headSha().toLowerCase(Locale.ROOT);
    Instant deployed = deployedAt != null ? deployedAt : clock.instant();
    return tx.execute(
        status -> {
          Optional<UUID> inserted =
              jdbc.sql(
                      """
                      INSERT INTO releases (id, app_id, version, environment, deployed_at,
                        deployer, ref, head_sha)
                      VALUES (:id, :app, :version, :env, :deployed, :deployer, :ref, :head)
                      ON CONFLICT (app_id, environment, version) DO NOTHING
                      RETURNING id
                      """)
                  .param("id", UUID.randomUUID())
                  .param("app", app)
                  .param("version", version)
                  .param("env", environment)
                  .param("deployed", Timestamp.from(deployed))
                  .param("deployer", r.deployer())
                  .param("ref", r.ref())
                  .param("head", headSha)
                  .query(UUID.class)
                  .optional();
          UUID release =
              inserted.orElseGet(
                  () ->
                      jdbc.sql(
                              """
                              SELECT id FROM releases
                              WHERE app_id = :app AND environment = :env AND version = :version
                              FOR UPDATE
                              """)
                          .param("app", app)
                          .param("env", environment)
                          .param("version", version)
                          .query(UUID.class)
                          .single());
          if (inserted.isEmpty()) {
            // A retry may fill in what the first post left out, never overwrite it.
            jdbc.sql(
                    """
                    UPDATE releases SET deployer = coalesce(deployer, :deployer),
                      ref = coalesce(ref, :ref), head_sha = coalesce(head_sha, :head)
                    WHERE id = :id
                    """)
                .param("deployer", r.deployer())
                .param("ref", r.ref())
                .param("head", headSha)
                .param("id", release)
                .update();
          }
          addCommits(release, commits);
          // Groups that appeared before this post had no commits to blame: now they do.
          lateTriage.run(app, environment, version);
          return new Posted(inserted.isPresent(), detail(app, version, environment).orElseThrow());
        });
  }

  private void addCommits(UUID release, List<NewCommit> commits) {
    int position =
        jdbc.sql("SELECT coalesce(max(position) + 1, 0) FROM release_commits WHERE release_id = :r")
            .param("r", release)
            .query(Integer.class)
            .single();
    for (NewCommit c : commits) {
      int added =
          jdbc.sql(
                  """
                  INSERT INTO release_commits (release_id, sha, position, author_name,
                    author_email, committed_at, message)
                  VALUES (:r, :sha, :pos, :name, :email, :at, :message)
                  ON CONFLICT (release_id, sha) DO NOTHING
                  """)
              .param("r", release)
              .param("sha", c.sha())
              .param("pos", position)
              .param("name", c.authorName())
              .param("email", c.authorEmail())
              .param("at", c.timestamp() == null ? null : Timestamp.from(c.timestamp()))
              .param("message", c.message())
              .update();
      if (added == 0) {
        continue; // merged by sha: the release already has this commit
      }
      position++;
      for (NewFile f : c.files()) {
        jdbc.sql(
                """
                INSERT INTO release_commit_files (release_id, sha, path, change, lines)
                VALUES (:r, :sha, :path, :change, CAST(:lines AS jsonb))
                """)
            .param("r", release)
            .param("sha", c.sha())
            .param("path", f.path())
            .param("change", f.change())
            .param("lines", f.linesJson())
            .update();
      }
    }
  }

  /** Validates what Bean Validation cannot express: timestamps, line ranges, duplicates. */
  private static List<NewCommit> commits(List<CommitRequest> commits, Problems out) {
    List<NewCommit> result = new ArrayList<>();
    if (commits == null) {
      return result;
    }
    Set<String> shas = new HashSet<>();
    for (int i = 0; i < commits.size(); i++) {
      CommitRequest c = commits.get(i);
      String at = "commits[" + i + "]";
      String sha = c.sha().toLowerCase(Locale.ROOT);
      Instant timestamp = out.timestamp(at + ".timestamp", c.timestamp());
      List<NewFile> files = new ArrayList<>();
      Set<String> paths = new HashSet<>();
      List<FileRequest> requested = c.files() == null ? List.of() : c.files();
      for (int j = 0; j < requested.size(); j++) {
        FileRequest f = requested.get(j);
        String fileAt = at + ".files[" + j + "]";
        if (!paths.add(f.path())) {
          out.add(fileAt + ".path", "is listed twice for this commit");
        }
        files.add(
            new NewFile(
                f.path(),
                f.change() == null ? "modified" : f.change(),
                ranges(f.lines(), fileAt + ".lines", out)));
      }
      if (shas.add(sha)) {
        result.add(
            new NewCommit(sha, c.authorName(), c.authorEmail(), timestamp, c.message(), files));
      }
    }
    return result;
  }

  /** Line ranges as JSON ({@code [[40,48]]}), each [start, end] with 1 <= start <= end. */
  private static String ranges(List<List<Integer>> lines, String at, Problems out) {
    if (lines == null) {
      return null;
    }
    StringBuilder b = new StringBuilder("[");
    for (int k = 0; k < lines.size(); k++) {
      List<Integer> range = lines.get(k);
      String rangeAt = at + "[" + k + "]";
      if (range == null
          || range.size() != 2
          || range.get(0) == null
          || range.get(1) == null
          || range.get(0) < 1) {
        out.add(rangeAt, "must be [start, end]: two line numbers, from 1");
        continue;
      }
      if (range.get(0) > range.get(1)) {
        out.add(rangeAt, "start must not be after end");
        continue;
      }
      if (b.length() > 1) {
        b.append(',');
      }
      b.append('[').append(range.get(0)).append(',').append(range.get(1)).append(']');
    }
    return b.append(']').toString();
  }

  List<ReleaseItem> list(UUID app, String environment, int limit) {
    return jdbc.sql(
            """
            SELECT r.version, r.environment, r.deployed_at, r.deployer, r.ref, r.head_sha,
              (SELECT count(*) FROM release_commits c WHERE c.release_id = r.id),
              (SELECT count(*) FROM error_groups g
                WHERE g.app_id = r.app_id AND g.first_release = r.version
                  AND g.merged_into IS NULL)
            FROM releases r
            WHERE r.app_id = :app AND (CAST(:env AS text) IS NULL OR r.environment = :env)
            ORDER BY r.deployed_at DESC, r.created_at DESC, r.version DESC
            LIMIT :limit
            """)
        .param("app", app)
        .param("env", environment)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new ReleaseItem(
                    rs.getString(1),
                    rs.getString(2),
                    instant(rs, 3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6),
                    rs.getLong(7),
                    rs.getLong(8)))
        .list();
  }

  /** The environment's newest deploy (the list's first row), if the app has one. */
  Optional<LatestRelease> latest(UUID app, String environment) {
    return jdbc.sql(
            """
            SELECT version, environment, deployed_at, head_sha FROM releases
            WHERE app_id = :app AND environment = :env
            ORDER BY deployed_at DESC, created_at DESC, version DESC
            LIMIT 1
            """)
        .param("app", app)
        .param("env", environment)
        .query(
            (rs, n) ->
                new LatestRelease(
                    rs.getString(1), rs.getString(2), instant(rs, 3), rs.getString(4)))
        .optional();
  }

  Optional<ReleaseDetail> detail(UUID app, String version, String environment) {
    record Head(UUID id, Instant deployedAt, String deployer, String ref, String headSha) {}
    Optional<Head> head =
        jdbc.sql(
                """
                SELECT id, deployed_at, deployer, ref, head_sha FROM releases
                WHERE app_id = :app AND version = :version AND environment = :env
                """)
            .param("app", app)
            .param("version", version)
            .param("env", environment)
            .query(
                (rs, n) ->
                    new Head(
                        rs.getObject(1, UUID.class),
                        instant(rs, 2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5)))
            .optional();
    if (head.isEmpty()) {
      return Optional.empty();
    }
    UUID id = head.get().id();
    Map<String, List<FileChange>> files = new LinkedHashMap<>();
    jdbc.sql(
            """
            SELECT sha, path, change, lines FROM release_commit_files
            WHERE release_id = :r ORDER BY sha, path
            """)
        .param("r", id)
        .query(
            rs -> {
              files
                  .computeIfAbsent(rs.getString(1), s -> new ArrayList<>())
                  .add(
                      new FileChange(
                          rs.getString(2),
                          rs.getString(3),
                          rs.getString(4) == null
                              ? null
                              : json.readValue(rs.getString(4), RANGES)));
            });
    List<Commit> commits =
        jdbc.sql(
                """
                SELECT sha, author_name, author_email, committed_at, message
                FROM release_commits WHERE release_id = :r ORDER BY position
                """)
            .param("r", id)
            .query(
                (rs, n) ->
                    new Commit(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        instant(rs, 4),
                        rs.getString(5),
                        files.getOrDefault(rs.getString(1), List.of())))
            .list();
    List<NewError> newErrors =
        jdbc.sql(
                """
                SELECT id, type, message, culprit, count, first_seen, last_seen, status
                FROM error_groups WHERE app_id = :app AND first_release = :version
                  AND merged_into IS NULL
                ORDER BY first_seen DESC, id LIMIT 100
                """)
            .param("app", app)
            .param("version", version)
            .query(
                (rs, n) ->
                    new NewError(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getLong(5),
                        instant(rs, 6),
                        instant(rs, 7),
                        rs.getString(8)))
            .list();
    Head h = head.get();
    return Optional.of(
        new ReleaseDetail(
            version,
            environment,
            h.deployedAt(),
            h.deployer(),
            h.ref(),
            h.headSha(),
            commits.size(),
            commits,
            newErrors));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }
}
