package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.api.deletion.PurgeWorker;
import io.upbeat.events.TokenDigest;
import io.upbeat.events.Topics;
import io.upbeat.metrics.LatencySketch;
import io.upbeat.metrics.UserSketch;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Deleting an app, an org and an account, as the contract's "Teams and access" says: 202, the
 * resource is 404 at once (API and dashboard), its CI token is refused at once and its secret
 * token's tombstone is on the token topic intake reads, and every row of every table that belongs
 * to it is gone within minutes (counted per table before and after). Only owners delete (members
 * 403, strangers 404). The purge survives a worker dying mid-way and two workers racing.
 */
class ITDeletion extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;
  @Autowired Topics topics;
  @Autowired PurgeWorker worker;

  private Account owner;
  private Account member;
  private Account stranger;

  @BeforeEach
  void accounts() {
    for (String table :
        List.of("txn_metrics_1m", "txn_metrics_1h", "txn_metrics_1d", "error_counts_1m")) {
      jdbc.execute(
          "CREATE TABLE IF NOT EXISTS " + table + "_default PARTITION OF " + table + " DEFAULT");
    }
    jdbc.execute("CREATE TABLE IF NOT EXISTS txn_samples_default PARTITION OF txn_samples DEFAULT");
    jdbc.execute(
        "CREATE TABLE IF NOT EXISTS error_users_1h_default PARTITION OF error_users_1h DEFAULT");
    owner = api.newAccount("Deleting Org " + UUID.randomUUID());
    member = api.newAccount("Member's own org");
    stranger = api.newAccount("Stranger's org");
    jdbc.update(
        "INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')",
        owner.orgId(),
        member.userId());
  }

  /** An app with its tokens, as created. */
  record App(UUID id, String name, String secret, String ci) {}

  private App newApp(Account who, UUID org, String name) {
    Response r =
        api.post("/api/v1/orgs/" + org + "/apps", who.apiKey(), "{\"name\": \"" + name + "\"}");
    assertThat(r.status()).isEqualTo(201);
    return new App(
        UUID.fromString(r.text("/id")), name, r.text("/secret_token"), r.text("/ci_token"));
  }

  /**
   * Rows in every table keyed by the app: releases, webhooks and ownership rules through the API,
   * metrics, samples, orphan spans, errors and notifications as the processor writes them.
   */
  private void fill(Account who, App app, int minuteRows) {
    String base = "/api/v1/apps/" + app.id();
    String sha = TokenDigest.sha256Hex(app.id().toString()).substring(0, 40);
    Response release =
        api.post(
            base + "/releases",
            app.ci(),
            """
            {"version": "1.0.0", "environment": "production", "deployed_at": "2026-11-26T10:00:00Z",
             "commits": [{"sha": "%s", "author_email": "alice@example.com", "message": "m",
               "files": [{"path": "src/A.java", "change": "modified", "lines": [[1, 5]]}]}]}
            """
                .formatted(sha));
    assertThat(release.status()).as(release.body()).isEqualTo(201);
    Response hook =
        api.post(
            base + "/webhooks",
            who.apiKey(),
            "{\"url\": \"https://93.184.215.14/hook\", \"events\": [\"new_error\"]}");
    assertThat(hook.status()).as(hook.body()).isEqualTo(201);
    assertThat(
            api.put(base + "/ownership", who.apiKey(), "text/plain", "* lead@example.com\n")
                .status())
        .isEqualTo(200);

    jdbc.update(
        "INSERT INTO notification_app_mutes (user_id, app_id) VALUES (?, ?)",
        who.userId(),
        app.id());

    LatencySketch one = LatencySketch.empty();
    one.add(1);
    byte[] sketch = one.toBytes();
    jdbc.update(
        """
        INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
          source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
        SELECT ?, 'production', 'request', 'GET /' || (i % 50), now() - (i / 50) * interval '1 minute',
          0, 1, 1, 1, 1, 0, ?
        FROM generate_series(1, ?) i
        """,
        app.id(), sketch, minuteRows);
    for (String level : List.of("1h", "1d")) {
      jdbc.update(
          "INSERT INTO txn_metrics_"
              + level
              + """
               (app_id, environment, txn_type, txn_name, bucket, count, sum_ms, min_ms, max_ms,
                failures, sketch)
              SELECT ?, 'production', 'request', 'GET /', now() - i * interval '1 day', 1, 1, 1, 1,
                0, ?
              FROM generate_series(1, 3) i
              """,
          app.id(),
          sketch);
    }
    jdbc.update(
        """
        INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name, started_at,
          duration_ms, spans)
        SELECT gen_random_uuid(), ?, 'production', 'request', 'GET /', now() - i * interval '1 s',
          5, '[]'::jsonb
        FROM generate_series(1, 4) i
        """,
        app.id());
    jdbc.update(
        """
        INSERT INTO destination_metrics_1m (app_id, environment, destination, bucket,
          source_partition, count, failures, sum_ms, min_ms, max_ms, sketch)
        SELECT ?, 'production', 'inventory:8080', date_trunc('minute', now()) - i * interval '1 minute',
          0, 3, 1, 30, 5, 15, ?
        FROM generate_series(1, 3) i
        """,
        app.id(),
        sketch);
    jdbc.update(
        "INSERT INTO txn_orphan_spans (app_id, trace_id, transaction_id, spans)"
            + " VALUES (?, 't1', 'x1', '[]'::jsonb)",
        app.id());
    jdbc.update(
        "INSERT INTO tail_traces (trace_id, app_id, reason, decided_at)"
            + " VALUES (?, ?, 'error', now())",
        "tail-" + app.id(),
        app.id());
    for (int g = 0; g < 3; g++) {
      UUID group = UUID.randomUUID();
      jdbc.update(
          """
          INSERT INTO error_groups (id, app_id, fingerprint, type, message, count, first_seen,
            last_seen)
          VALUES (?, ?, ?, 'java.lang.IllegalStateException', 'boom', 2, now(), now())
          """,
          group,
          app.id(),
          TokenDigest.sha256Hex(group.toString()));
      jdbc.update(
          """
          INSERT INTO error_occurrences (group_id, occurred_at, environment, exception)
          SELECT ?, now() - i * interval '1 minute', 'production', '{}'::jsonb
          FROM generate_series(1, 2) i
          """,
          group);
      jdbc.update(
          "INSERT INTO error_hourly (group_id, hour, count) VALUES (?, date_trunc('hour', now()), 2)",
          group);
      jdbc.update(
          "INSERT INTO error_users_1h (group_id, environment, hour, source_partition, sketch)"
              + " SELECT ?, 'production', date_trunc('hour', now()), p, ?"
              + " FROM generate_series(0, 1) p",
          group,
          new UserSketch().add("id:" + group).toBytes());
      jdbc.update(
          """
          INSERT INTO error_counts_1m (app_id, group_id, environment, release, bucket,
            source_partition, count)
          SELECT ?, ?, 'production', '', date_trunc('minute', now()) - i * interval '1 minute', 0, 1
          FROM generate_series(1, 2) i
          """,
          app.id(),
          group);
      jdbc.update(
          "INSERT INTO rollup_pending (level, app_id, bucket, source)"
              + " VALUES ('1h', ?, date_trunc('hour', now()), ?)",
          app.id(),
          g);
      // An alert rule of the app (besides its two defaults) with an event and its notification.
      UUID rule = UUID.randomUUID();
      jdbc.update(
          "INSERT INTO alert_rules (id, app_id, name, kind, threshold, window_minutes)"
              + " VALUES (?, ?, 'errors', 'error_count', 5, 10)",
          rule,
          app.id());
      UUID alert = UUID.randomUUID();
      jdbc.update(
          "INSERT INTO notifications (id, app_id, kind, alert_rule_id, payload, dispatched_at)"
              + " VALUES (?, ?, 'alert', ?, '{}'::jsonb, now())",
          alert,
          app.id(),
          rule);
      jdbc.update(
          "INSERT INTO alert_events (id, rule_id, app_id, state, at, notified, notification_id)"
              + " VALUES (?, ?, ?, 'firing', now(), true, ?)",
          UUID.randomUUID(),
          rule,
          app.id(),
          alert);
      UUID notification = UUID.randomUUID();
      jdbc.update(
          // Dispatched already (its delivery is below), so the notifier adds nothing meanwhile.
          "INSERT INTO notifications (id, app_id, group_id, kind, payload, dispatched_at)"
              + " VALUES (?, ?, ?, 'new_error', '{}'::jsonb, now())",
          notification,
          app.id(),
          group);
      jdbc.update(
          "INSERT INTO notification_deliveries (notification_id, channel, webhook_id, status)"
              + " VALUES (?, ?, ?::uuid, 'pending')",
          notification,
          "webhook:" + hook.text("/id"),
          hook.text("/id"));
    }
    // Idempotency keys of the app's batches, as each pipeline commits them.
    jdbc.update(
        "INSERT INTO idempotency_keys (app_id, pipeline, key, seen_at)"
            + " SELECT ?, p, 'batch-' || i, now() FROM unnest(ARRAY['metrics', 'errors', 'samples']) p,"
            + " generate_series(1, 3) i",
        app.id());
    // Two of the groups merged into the third: the purge's batches must not trip over the link.
    jdbc.update(
        """
        WITH target AS (SELECT id FROM error_groups WHERE app_id = ? ORDER BY id LIMIT 1)
        UPDATE error_groups SET merged_into = (SELECT id FROM target)
        WHERE app_id = ? AND id <> (SELECT id FROM target)
        """,
        app.id(),
        app.id());
    jdbc.update(
        "UPDATE error_groups SET has_members = true WHERE app_id = ? AND merged_into IS NULL",
        app.id());
  }

  /** Every table's rows of the app, found by ids captured now (children outlive their parents). */
  private final class Census {
    private final UUID app;
    private final List<UUID> groups;
    private final List<UUID> releases;
    private final List<UUID> notifications;

    Census(UUID app) {
      this.app = app;
      this.groups = ids("SELECT id FROM error_groups WHERE app_id = ?");
      this.releases = ids("SELECT id FROM releases WHERE app_id = ?");
      this.notifications = ids("SELECT id FROM notifications WHERE app_id = ?");
    }

    private List<UUID> ids(String sql) {
      return jdbc.queryForList(sql, UUID.class, app);
    }

    Map<String, Long> counts() {
      Map<String, Long> counts = new LinkedHashMap<>();
      for (String table :
          List.of(
              "txn_metrics_1m",
              "txn_metrics_1h",
              "txn_metrics_1d",
              "destination_metrics_1m",
              "txn_samples",
              "txn_orphan_spans",
              "error_groups",
              "alert_rules",
              "alert_events",
              "notifications",
              "releases",
              "webhooks",
              "ownership_rules",
              "app_tokens",
              "error_counts_1m",
              "rollup_pending",
              "notification_app_mutes",
              "idempotency_keys",
              "tail_traces")) {
        counts.put(table, count("SELECT count(*) FROM " + table + " WHERE app_id = ?", app));
      }
      counts.put("error_occurrences", in("error_occurrences", "group_id", groups));
      counts.put("error_hourly", in("error_hourly", "group_id", groups));
      counts.put("error_users_1h", in("error_users_1h", "group_id", groups));
      counts.put("release_commits", in("release_commits", "release_id", releases));
      counts.put("release_commit_files", in("release_commit_files", "release_id", releases));
      counts.put(
          "notification_deliveries",
          in("notification_deliveries", "notification_id", notifications));
      counts.put("apps", count("SELECT count(*) FROM apps WHERE id = ?", app));
      return counts;
    }

    private long in(String table, String column, List<UUID> ids) {
      return count(
          "SELECT count(*) FROM " + table + " WHERE " + column + " = ANY(?::uuid[])",
          (Object) ids.stream().map(UUID::toString).toArray(String[]::new));
    }

    long total(Map<String, Long> counts) {
      return counts.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private long count(String sql, Object... args) {
    Long n = jdbc.queryForObject(sql, Long.class, args);
    return n == null ? 0 : n;
  }

  private void awaitPurged(Census census) {
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> assertThat(census.counts()).allSatisfy((t, n) -> assertThat(n).as(t).isZero()));
  }

  /**
   * Tables that hold rows of an app (by an app, group, release or notification id) and that the
   * purge leaves on purpose, with why. Every other such table must be in the census, so a table
   * added later without a purge step fails here, not in production.
   */
  private static final Map<String, String> KEPT =
      Map.of(
          "deleted_apps", "the processor's list of deleted apps, so their late events are dropped",
          "app_token_outbox", "the tombstones that revoke the tokens, deleted once published",
          "app_scrubbing_outbox", "published and deleted like the token outbox");

  @Test
  void theCensusCoversEveryTableThatHoldsAnAppsRows() {
    List<String> tables =
        jdbc.queryForList(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND c.relname <> 'flyway_schema_history'
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                AND NOT a.attisdropped
                AND a.attname IN ('app_id', 'group_id', 'release_id', 'notification_id'))
            ORDER BY 1
            """,
            String.class);
    List<String> counted = new ArrayList<>(new Census(UUID.randomUUID()).counts().keySet());
    assertThat(tables.stream().filter(t -> !counted.contains(t) && !KEPT.containsKey(t)))
        .as("tables with an app's rows: counted by the census (and purged) or kept on purpose")
        .isEmpty();
    assertThat(KEPT.keySet()).as("kept tables that no longer exist").isSubsetOf(tables);
  }

  @Test
  void deletingAnAppHidesItAtOnceRevokesItsTokensAndPurgesEveryRow() {
    App app = newApp(owner, owner.orgId(), "doomed");
    App other = newApp(owner, owner.orgId(), "survivor");
    fill(owner, app, 200);
    fill(owner, other, 20);
    Census census = new Census(app.id());
    Census otherCensus = new Census(other.id());
    Map<String, Long> before = census.counts();
    assertThat(before).allSatisfy((t, n) -> assertThat(n).as(t).isPositive());
    Map<String, Long> otherBefore = otherCensus.counts();
    String path = "/api/v1/apps/" + app.id();
    PageSession browser = new PageSession(port).login(owner);
    assertThat(browser.get("/apps/" + app.id()).statusCode()).isEqualTo(200);

    // Only owners: a member is refused, a stranger does not even see it.
    assertThat(api.delete(path, member.apiKey()).status()).isEqualTo(403);
    assertThat(api.delete(path, member.apiKey()).text("/error")).isEqualTo("forbidden");
    assertThat(api.delete(path, stranger.apiKey()).status()).isEqualTo(404);
    assertThat(census.counts()).isEqualTo(before);

    Response deleted = api.delete(path, owner.apiKey());
    assertThat(deleted.status()).isEqualTo(202);
    assertThat(deleted.text("/id")).isEqualTo(app.id().toString());
    assertThat(deleted.text("/status")).isEqualTo("deleting");

    // At once: absent everywhere, its CI token refused, a second deletion 404.
    assertThat(api.get(path, owner.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(path + "/errors", member.apiKey()).status()).isEqualTo(404);
    assertThat(api.get("/api/v1/apps", owner.apiKey()).body())
        .doesNotContain(app.id().toString())
        .contains(other.id().toString());
    assertThat(api.get(path + "/releases/latest", app.ci()).status()).isEqualTo(401);
    assertThat(api.delete(path, owner.apiKey()).status()).isEqualTo(404);
    assertThat(browser.get("/apps/" + app.id()).statusCode()).isEqualTo(404);
    assertThat(browser.get("/apps/" + app.id() + "/settings").statusCode()).isEqualTo(404);
    assertThat(browser.page("/apps").text()).doesNotContain("doomed").contains("survivor");
    assertThat(
            count(
                "SELECT count(*) FROM app_tokens WHERE app_id = ? AND revoked_at IS NULL",
                app.id()))
        .isZero();
    // The name is free again at once.
    assertThat(newApp(owner, owner.orgId(), "doomed").id()).isNotEqualTo(app.id());

    // Intake reads the compacted token topic: the secret token's tombstone is there.
    assertTombstoned(app.secret());

    awaitPurged(census);
    assertThat(count("SELECT count(*) FROM deleted_apps WHERE app_id = ?", app.id())).isOne();
    assertThat(
            count(
                "SELECT count(*) FROM deletion_jobs WHERE target_id = ? AND finished_at IS NOT NULL",
                app.id()))
        .isOne();
    // The other app of the org lost nothing.
    assertThat(otherCensus.counts()).isEqualTo(otherBefore);
  }

  @Test
  void deletingAnOrgDeletesItsAppsMembershipsAndInvitations() {
    App first = newApp(owner, owner.orgId(), "one");
    App second = newApp(owner, owner.orgId(), "two");
    fill(owner, first, 50);
    fill(owner, second, 50);
    Teams.invite(api, owner, "invited-" + UUID.randomUUID() + "@example.com", "member");
    List<Census> censuses = List.of(new Census(first.id()), new Census(second.id()));
    String path = "/api/v1/orgs/" + owner.orgId();

    assertThat(api.delete(path, member.apiKey()).status()).isEqualTo(403);
    assertThat(api.delete(path, stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.delete("/api/v1/orgs/not-a-uuid", owner.apiKey()).status()).isEqualTo(404);

    Response deleted = api.delete(path, owner.apiKey());
    assertThat(deleted.status()).isEqualTo(202);
    assertThat(deleted.text("/id")).isEqualTo(owner.orgId().toString());

    assertThat(api.get(path + "/members", owner.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(path + "/members", member.apiKey()).status()).isEqualTo(404);
    assertThat(api.get("/api/v1/me", owner.apiKey()).body())
        .doesNotContain(owner.orgId().toString());
    assertThat(api.get("/api/v1/me", member.apiKey()).body())
        .doesNotContain(owner.orgId().toString());
    for (App app : List.of(first, second)) {
      assertThat(api.get("/api/v1/apps/" + app.id(), owner.apiKey()).status()).isEqualTo(404);
      assertThat(api.get("/api/v1/apps/" + app.id() + "/releases/latest", app.ci()).status())
          .isEqualTo(401);
    }
    assertThat(api.post(path + "/apps", owner.apiKey(), "{\"name\": \"late\"}").status())
        .isEqualTo(404);
    assertThat(api.delete(path, owner.apiKey()).status()).isEqualTo(404);
    assertThat(count("SELECT count(*) FROM memberships WHERE org_id = ?", owner.orgId())).isZero();
    PageSession browser = new PageSession(port).login(owner);
    assertThat(browser.get("/orgs/" + owner.orgId() + "/members").statusCode()).isEqualTo(404);
    assertTombstoned(first.secret());
    assertTombstoned(second.secret());

    censuses.forEach(this::awaitPurged);
    await()
        .atMost(Duration.ofMinutes(5))
        .untilAsserted(
            () ->
                assertThat(count("SELECT count(*) FROM orgs WHERE id = ?", owner.orgId()))
                    .isZero());
    assertThat(count("SELECT count(*) FROM invitations WHERE org_id = ?", owner.orgId())).isZero();
    // The users stay: only the org went.
    assertThat(api.get("/api/v1/me", owner.apiKey()).status()).isEqualTo(200);
  }

  @Test
  void deletingAnAccountEndsItsKeysAndSessionsAndDeletesOrgsItWasAloneIn() {
    Account leaving = api.newAccount("Alone " + UUID.randomUUID());
    App app = newApp(leaving, leaving.orgId(), "mine");
    fill(leaving, app, 20);
    Census census = new Census(app.id());
    // A member (not owner) of another org: that org stays, without them.
    jdbc.update(
        "INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')",
        owner.orgId(),
        leaving.userId());
    PageSession browser = new PageSession(port).login(leaving);
    assertThat(browser.get("/apps").statusCode()).isEqualTo(200);
    assertThat(
            count(
                "SELECT count(*) FROM spring_session WHERE principal_name LIKE ?",
                "%" + leaving.userId() + "%"))
        .isPositive();

    Response deleted = api.delete("/api/v1/me", leaving.apiKey());
    assertThat(deleted.status()).isEqualTo(202);
    assertThat(deleted.text("/id")).isEqualTo(leaving.userId().toString());

    assertThat(api.get("/api/v1/me", leaving.apiKey()).status()).isEqualTo(401);
    assertThat(browser.get("/apps").statusCode()).isEqualTo(302); // to the sign-in form
    assertThat(count("SELECT count(*) FROM users WHERE id = ?", leaving.userId())).isZero();
    assertThat(count("SELECT count(*) FROM api_keys WHERE user_id = ?", leaving.userId())).isZero();
    assertThat(count("SELECT count(*) FROM memberships WHERE user_id = ?", leaving.userId()))
        .isZero();
    assertThat(
            count(
                "SELECT count(*) FROM spring_session WHERE principal_name LIKE ?",
                "%" + leaving.userId() + "%"))
        .isZero();
    assertThat(api.get("/api/v1/apps/" + app.id(), owner.apiKey()).status()).isEqualTo(404);
    assertThat(api.get("/api/v1/orgs/" + owner.orgId() + "/members", owner.apiKey()).body())
        .doesNotContain(leaving.userId().toString());
    // Signing in again fails: the account is gone.
    assertThat(
            api.post(
                    "/api/v1/login",
                    null,
                    "{\"email\": \"%s\", \"password\": \"%s\"}"
                        .formatted(leaving.email(), leaving.password()))
                .status())
        .isEqualTo(401);

    awaitPurged(census);
    await()
        .atMost(Duration.ofMinutes(5))
        .untilAsserted(
            () ->
                assertThat(count("SELECT count(*) FROM orgs WHERE id = ?", leaving.orgId()))
                    .isZero());
    assertThat(count("SELECT count(*) FROM orgs WHERE id = ?", owner.orgId())).isOne();
  }

  @Test
  void theLastOwnerOfAnOrgWithMembersMustTransferOwnershipFirst() {
    Response refused = api.delete("/api/v1/me", owner.apiKey());
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.text("/error")).isEqualTo("conflict");
    assertThat(refused.text("/message")).contains("Transfer ownership first");
    assertThat(refused.body()).contains(owner.orgId().toString());
    assertThat(api.get("/api/v1/me", owner.apiKey()).status()).isEqualTo(200);

    jdbc.update(
        "UPDATE memberships SET role = 'owner' WHERE org_id = ? AND user_id = ?",
        owner.orgId(),
        member.userId());
    assertThat(api.delete("/api/v1/me", owner.apiKey()).status()).isEqualTo(202);
    // The org stays with its other owner.
    assertThat(api.get("/api/v1/orgs/" + owner.orgId() + "/members", member.apiKey()).status())
        .isEqualTo(200);
    assertThat(
            count("SELECT count(*) FROM orgs WHERE id = ? AND deleted_at IS NULL", owner.orgId()))
        .isOne();
  }

  @Test
  void theDashboardDeletesAppsOrgsAndAccountsWithAConfirmation() {
    App app = newApp(owner, owner.orgId(), "page-doomed");
    PageSession browser = new PageSession(port).login(owner);
    PageSession memberBrowser = new PageSession(port).login(member);
    String settings = "/apps/" + app.id() + "/settings";
    assertThat(browser.page(settings).select("a[href$=/settings/delete]")).hasSize(1);
    assertThat(memberBrowser.page(settings).select("a[href$=/settings/delete]")).isEmpty();
    assertThat(memberBrowser.get(settings + "/delete").statusCode()).isEqualTo(403);
    Document confirm = browser.page(settings + "/delete");
    assertThat(confirm.select("form#delete-app input[name=_csrf]")).hasSize(1);

    assertThat(
            browser.htmx("POST", settings + "/delete", "confirm=page-doomed", false).statusCode())
        .isEqualTo(403); // no CSRF token
    assertThat(browser.htmx("POST", settings + "/delete", "confirm=wrong", true).statusCode())
        .isEqualTo(400);
    assertThat(
            browser
                .htmx("POST", settings + "/delete", "confirm=" + "\u0000".repeat(3), true)
                .statusCode())
        .isEqualTo(400);
    assertThat(api.get("/api/v1/apps/" + app.id(), owner.apiKey()).status()).isEqualTo(200);
    HttpResponse<String> done =
        browser.htmx("POST", settings + "/delete", "confirm=page-doomed", true);
    assertThat(done.statusCode()).isEqualTo(302);
    assertThat(api.get("/api/v1/apps/" + app.id(), owner.apiKey()).status()).isEqualTo(404);
    assertThat(browser.get(settings).statusCode()).isEqualTo(404);

    // The org: the members page loads the section, for owners only.
    String org = "/orgs/" + owner.orgId();
    assertThat(browser.htmxGet(org + "/delete/section").body()).contains(org + "/delete");
    assertThat(memberBrowser.htmxGet(org + "/delete/section").body()).doesNotContain("/delete");
    assertThat(browser.page(org + "/members").select("#org-deletion")).hasSize(1);
    assertThat(memberBrowser.get(org + "/delete").statusCode()).isEqualTo(403);
    String orgName =
        jdbc.queryForObject("SELECT name FROM orgs WHERE id = ?", String.class, owner.orgId());
    assertThat(browser.htmx("POST", org + "/delete", "confirm=nope", true).statusCode())
        .isEqualTo(400);
    assertThat(
            browser
                .htmx("POST", org + "/delete", "confirm=" + PageSession.enc(orgName), true)
                .statusCode())
        .isEqualTo(302);
    assertThat(browser.get(org + "/members").statusCode()).isEqualTo(404);

    // The account.
    assertThat(browser.page("/apps").select("a#delete-account-link")).hasSize(1);
    assertThat(browser.page("/account/delete").select("form#delete-account")).hasSize(1);
    assertThat(
            browser
                .htmx("POST", "/account/delete", "confirm=someone@example.com", true)
                .statusCode())
        .isEqualTo(400);
    HttpResponse<String> gone =
        browser.htmx("POST", "/account/delete", "confirm=" + PageSession.enc(owner.email()), true);
    assertThat(gone.statusCode()).isEqualTo(302);
    assertThat(gone.headers().firstValue("Location").orElse("")).endsWith("/login");
    assertThat(browser.get("/apps").statusCode()).isEqualTo(302);
    assertThat(api.get("/api/v1/me", owner.apiKey()).status()).isEqualTo(401);
  }

  @Test
  void aJobWhoseWorkerDiedMidWayIsResumedOnceItsLeaseExpires() {
    App app = newApp(owner, owner.orgId(), "crashed");
    fill(owner, app, 30);
    Census census = new Census(app.id());
    Map<String, Long> before = census.counts();
    // As the API would, then a worker claimed the job, purged the first three tables and died:
    // its lease still holds for a few seconds, and no other worker touches the job until then.
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.update("UPDATE apps SET deleted_at = ? WHERE id = ?", now, app.id());
    jdbc.update(
        "INSERT INTO deleted_apps (app_id, org_id, deleted_at) VALUES (?, ?, ?)",
        app.id(),
        owner.orgId(),
        now);
    jdbc.update("UPDATE app_tokens SET revoked_at = ? WHERE app_id = ?", now, app.id());
    jdbc.update(
        """
        INSERT INTO deletion_jobs (kind, target_id, created_at, run_after, step, attempts,
          lease_owner, lease_until)
        VALUES ('app', ?, ?, ?, 3, 1, gen_random_uuid(), now() + interval '4 seconds')
        """,
        app.id(),
        now,
        now);
    worker.runDueJobs();
    assertThat(
            jdbc.queryForMap(
                "SELECT step, attempts FROM deletion_jobs WHERE target_id = ?", app.id()))
        .as("nobody takes a leased job")
        .containsEntry("step", 3)
        .containsEntry("attempts", 1);
    assertThat(census.counts()).isEqualTo(before);

    awaitPurged(census);
    Map<String, Object> job =
        jdbc.queryForMap("SELECT * FROM deletion_jobs WHERE target_id = ?", app.id());
    assertThat(job.get("finished_at")).isNotNull();
    assertThat((Integer) job.get("attempts")).isGreaterThanOrEqualTo(3); // died, resumed, swept
  }

  @Test
  void twoWorkersRacingNeitherDeleteTwiceNorDeadlock() throws Exception {
    App app = newApp(owner, owner.orgId(), "raced");
    fill(owner, app, 23_000); // several batches of 5,000
    Census census = new Census(app.id());
    Map<String, Long> before = census.counts();

    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      workers.add(
          Thread.ofPlatform()
              .name("racing-worker-" + i)
              .start(
                  () -> {
                    try {
                      while (!done.get()) {
                        worker.runDueJobs();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                      }
                    } catch (Throwable t) {
                      failures.add(t);
                    }
                  }));
    }
    assertThat(api.delete("/api/v1/apps/" + app.id(), owner.apiKey()).status()).isEqualTo(202);
    awaitPurged(census);
    await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () ->
                count(
                        "SELECT count(*) FROM deletion_jobs WHERE target_id = ? AND finished_at IS NOT NULL",
                        app.id())
                    == 1);
    done.set(true);
    for (Thread t : workers) {
      t.join(30_000);
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(failures).isEmpty();
    // Every row was counted by exactly one worker: none deleted twice, none skipped.
    assertThat(count("SELECT rows_purged FROM deletion_jobs WHERE target_id = ?", app.id()))
        .isEqualTo(census.total(before));
  }

  @Test
  void aNotificationWrittenForADeletedAppReachesNobody() {
    App app = newApp(owner, owner.orgId(), "late-notice");
    Response hook =
        api.post(
            "/api/v1/apps/" + app.id() + "/webhooks",
            owner.apiKey(),
            "{\"url\": \"https://93.184.215.14/hook\", \"events\": [\"new_error\"]}");
    assertThat(hook.status()).isEqualTo(201);
    // As a processor that had not refreshed its set of deleted apps yet would write it; the app
    // is in deleted_apps (its purge is left out here, so the rows stay to be looked at).
    jdbc.update(
        "INSERT INTO deleted_apps (app_id, org_id, deleted_at) VALUES (?, ?, now())",
        app.id(),
        owner.orgId());
    UUID late = UUID.randomUUID();
    UUID live = UUID.randomUUID();
    App other = newApp(owner, owner.orgId(), "still-here");
    api.post(
        "/api/v1/apps/" + other.id() + "/webhooks",
        owner.apiKey(),
        "{\"url\": \"https://93.184.215.14/hook\", \"events\": [\"new_error\"]}");
    for (UUID[] n : List.of(new UUID[] {late, app.id()}, new UUID[] {live, other.id()})) {
      jdbc.update(
          "INSERT INTO notifications (id, app_id, kind, payload) VALUES (?, ?, 'new_error', '{}')",
          n[0],
          n[1]);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                count(
                        "SELECT count(*) FROM notifications WHERE id IN (?, ?)"
                            + " AND dispatched_at IS NOT NULL",
                        late,
                        live)
                    == 2);
    assertThat(
            count("SELECT count(*) FROM notification_deliveries WHERE notification_id = ?", late))
        .isZero();
    assertThat(
            count(
                "SELECT count(*) FROM notification_deliveries WHERE notification_id = ?"
                    + " AND channel LIKE 'webhook:%'",
                live))
        .isOne();
  }

  private void assertTombstoned(String secret) {
    String key = TokenDigest.sha256Hex(secret);
    Map<String, byte[]> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", stack.stack().bootstrapServers()),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> consumer.listTopics().containsKey(topics.appTokens()));
      List<TopicPartition> partitions =
          consumer.partitionsFor(topics.appTokens()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  latest.put(r.key(), r.value());
                }
                return latest.containsKey(key) && latest.get(key) == null;
              });
    }
  }
}
