package io.upbeat.processor.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.alerting.AlertRules;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.storage.Schema;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Triage in the errors pipeline's flush, on real PostgreSQL: a new group gets its suspect commit
 * and assignee with the reason, a late event of the release it was resolved in does not reopen it,
 * an event of a newer release does (keeping a manual assignee), ownership rules decide when no
 * commit does, and every change leaves its notifications in the outbox.
 */
class ITTriage {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final String USER = "src/main/java/com/shop/UserService.java";
  private final UUID app = UUID.randomUUID();
  private final Instant now = Instant.now();
  private JdbcTemplate jdbc;
  private WorkStore<ErrorWork> store;
  private long offset;

  @BeforeEach
  void setUp() throws Exception {
    DataSource db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    jdbc = new JdbcTemplate(db);
    UUID org = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO orgs (id, slug, name) VALUES (?, ?, 'Shop')",
        org,
        "shop-" + org.toString().substring(0, 8));
    jdbc.update("INSERT INTO apps (id, org_id, name) VALUES (?, ?, 'web')", app, org);
    // As api-service creates an app: with the default new-error and regression rules.
    try (java.sql.Connection c = db.getConnection()) {
      AlertRules.insertDefaults(c, app);
    }
    store = new LedgerStore<>(new OffsetLedger(db, "errors"), new ErrorStore(100));
  }

  private void release(
      String version, Instant deployedAt, String author, String path, int from, int to) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO releases (id, app_id, version, environment, deployed_at) VALUES (?, ?, ?, 'production', ?)",
        id,
        app,
        version,
        Timestamp.from(deployedAt));
    if (author != null) {
      String sha = String.format("%040x", Math.abs((long) version.hashCode()) + 7);
      jdbc.update(
          "INSERT INTO release_commits (release_id, sha, position, author_email, committed_at, message) VALUES (?, ?, 0, ?, ?, 'change')",
          id,
          sha,
          author,
          Timestamp.from(deployedAt.minusSeconds(600)));
      jdbc.update(
          "INSERT INTO release_commit_files (release_id, sha, path, change, lines) VALUES (?, ?, ?, 'modified', ?::jsonb)",
          id,
          sha,
          path,
          "[[" + from + ", " + to + "]]");
    }
  }

  private void flush(String version, Instant at, String module, String file, int line)
      throws Exception {
    ErrorWork work = ErrorWork.factory(100, new SimpleMeterRegistry()).get();
    ErrorEvent error =
        new ErrorEvent(
            null,
            at,
            null,
            "GET /users",
            "error",
            null,
            new ExceptionInfo(
                "java.lang.NullPointerException",
                "user is null",
                List.of(
                    new StackFrame(
                        "org.springframework.web.Servlet",
                        "service",
                        "Servlet.java",
                        null,
                        10,
                        false),
                    new StackFrame(module, "find", file, null, line, true)),
                null),
            null,
            null);
    work.add(
        new EventBatch(
            UUID.randomUUID(),
            app,
            now,
            new ServiceInfo("web", "production", version, null, null, null, null),
            List.of(),
            List.of(error)));
    store.commit(
        "events", List.of(new WorkStore.Flush<>(0, offset == 0 ? null : offset, offset + 1, work)));
    offset++;
  }

  private Map<String, Object> group(String module) {
    return jdbc.queryForMap(
        "SELECT * FROM error_groups WHERE app_id = ? AND culprit = ?", app, module + ".find");
  }

  private List<String> notifications(Object group) {
    return jdbc.queryForList(
        "SELECT kind FROM notifications WHERE group_id = ? ORDER BY created_at, kind",
        String.class,
        group);
  }

  @Test
  void assignsTheSuspectReopensOnlyForNewerReleasesAndNotifies() throws Exception {
    release("v1", now.minus(Duration.ofHours(2)), "alice@shop.io", USER, 40, 48);
    flush("v1", now.minus(Duration.ofHours(1)), "com.shop.UserService", "UserService.java", 42);

    Map<String, Object> g = group("com.shop.UserService");
    assertThat(g.get("assignee_email")).isEqualTo("alice@shop.io");
    assertThat((String) g.get("assignee_reason"))
        .startsWith("commit ")
        .contains(
            "by alice@shop.io changed UserService.java lines 40-48; frame UserService.find:42");
    assertThat(g.get("suspect_path")).isEqualTo(USER);
    assertThat(g.get("suspect_release")).isEqualTo("v1");
    assertThat(String.valueOf(g.get("suspect_lines"))).isEqualTo("[[40, 48]]");
    assertThat(notifications(g.get("id"))).containsExactly("assigned", "new_error");

    // A person takes it and resolves it in v1.
    jdbc.update(
        "UPDATE error_groups SET assignee_email = 'bob@shop.io', assignee_reason = 'manual',"
            + " status = 'resolved', resolved_at = ?, resolved_in_release = 'v1',"
            + " resolved_environment = 'production' WHERE id = ?",
        Timestamp.from(now.minusSeconds(60)),
        g.get("id"));
    // A late v1 event, even one stamped after the resolution: still resolved.
    flush("v1", now, "com.shop.UserService", "UserService.java", 42);
    assertThat(group("com.shop.UserService").get("status")).isEqualTo("resolved");

    // v2 ships and brings it back: reopened, flagged, the manual assignee kept.
    release("v2", now.minus(Duration.ofMinutes(30)), "carol@shop.io", USER, 40, 48);
    flush("v2", now, "com.shop.UserService", "UserService.java", 42);
    g = group("com.shop.UserService");
    assertThat(g.get("status")).isEqualTo("unresolved");
    assertThat(g.get("regressed")).isEqualTo(true);
    assertThat(g.get("assignee_email")).isEqualTo("bob@shop.io");
    assertThat(g.get("assignee_reason")).isEqualTo("manual");
    assertThat(notifications(g.get("id"))).containsExactly("assigned", "new_error", "regression");
  }

  @Test
  void newErrorAndRegressionFollowTheAppsRules() throws Exception {
    release("v1", now.minus(Duration.ofHours(2)), "alice@shop.io", USER, 40, 48);
    // The team gives the new-error rule its own recipient (a member's address; delivery checks
    // membership) and a 60-minute cooldown, and deletes the regression rule.
    jdbc.update(
        "UPDATE alert_rules SET email_to = '{lead@shop.io}', cooldown_minutes = 60"
            + " WHERE app_id = ? AND kind = 'new_error'",
        app);
    jdbc.update("DELETE FROM alert_rules WHERE app_id = ? AND kind = 'regression'", app);
    flush("v1", now.minus(Duration.ofHours(1)), "com.shop.UserService", "UserService.java", 42);
    Map<String, Object> g = group("com.shop.UserService");
    // No fixed new_error notification any more: the rule's alert instead (assignment stays).
    assertThat(notifications(g.get("id"))).containsExactly("assigned");
    Map<String, Object> alert =
        jdbc.queryForMap(
            "SELECT payload->>'state' AS state, payload->>'group_id' AS grp,"
                + " payload->>'suspect_sha' AS sha, payload->>'assignee_email' AS assignee,"
                + " payload->>'release' AS release, alert_rule_id"
                + " FROM notifications WHERE app_id = ? AND kind = 'alert'",
            app);
    assertThat(alert.get("state")).isEqualTo("firing");
    assertThat(alert.get("grp")).isEqualTo(g.get("id").toString());
    assertThat(alert.get("sha")).isEqualTo(g.get("suspect_sha")).isNotNull();
    assertThat(alert.get("assignee")).isEqualTo("alice@shop.io");
    assertThat(alert.get("release")).isEqualTo("v1");
    // A second new group within the cooldown: its event is recorded, not notified.
    flush("v1", now.minus(Duration.ofMinutes(30)), "com.shop.Cart", "Cart.java", 5);
    assertThat(
            jdbc.queryForList(
                "SELECT notified FROM alert_events WHERE app_id = ? ORDER BY at",
                Boolean.class,
                app))
        .containsExactly(true, false);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM notifications WHERE app_id = ? AND kind = 'alert'",
                Long.class,
                app))
        .isEqualTo(1L);

    // Resolved in v1, back in v2: no regression rule, so nobody is told.
    jdbc.update(
        "UPDATE error_groups SET status = 'resolved', resolved_at = ?, resolved_in_release = 'v1',"
            + " resolved_environment = 'production' WHERE id = ?",
        Timestamp.from(now.minusSeconds(60)),
        g.get("id"));
    release("v2", now.minus(Duration.ofMinutes(30)), null, USER, 0, 0);
    flush("v2", now, "com.shop.UserService", "UserService.java", 42);
    assertThat(group("com.shop.UserService").get("regressed")).isEqualTo(true);
    assertThat(notifications(g.get("id"))).containsExactly("assigned");
  }

  @Test
  void ownershipDecidesWithoutEvidenceAndNobodyIsGuessed() throws Exception {
    release("v1", now.minus(Duration.ofHours(2)), "alice@shop.io", USER, 40, 48);
    jdbc.update(
        "INSERT INTO ownership_rules (app_id, rules) VALUES (?, ?)",
        app,
        "*  lead@shop.io\nbilling/  billing@shop.io\n");
    flush("v1", now, "com.shop.billing.Invoice", "Invoice.java", 12);
    Map<String, Object> g = group("com.shop.billing.Invoice");
    assertThat(g.get("assignee_email")).isEqualTo("billing@shop.io");
    assertThat((String) g.get("assignee_reason")).startsWith("ownership rule line 2 (billing/)");
    assertThat(g.get("suspect_sha")).isNull();

    jdbc.update("DELETE FROM ownership_rules WHERE app_id = ?", app);
    flush("v9-unknown", now, "com.shop.Cart", "Cart.java", 5);
    Map<String, Object> none = group("com.shop.Cart");
    assertThat(none.get("assignee_email")).isNull();
    assertThat(notifications(none.get("id"))).containsExactly("new_error");
  }

  /** Frames as OpenTelemetry sends them: no in_app, no path. */
  private void flushWithoutInApp(WorkStore<ErrorWork> into, String version, Instant at)
      throws Exception {
    ErrorWork work = ErrorWork.factory(100, new SimpleMeterRegistry()).get();
    ErrorEvent error =
        new ErrorEvent(
            null,
            at,
            null,
            "GET /users",
            "error",
            null,
            new ExceptionInfo(
                "java.lang.IllegalStateException",
                "lookup failed",
                List.of(
                    new StackFrame(
                        "org.springframework.web.Servlet",
                        "service",
                        "Servlet.java",
                        null,
                        10,
                        null),
                    new StackFrame(
                        "com.shop.UserService", "find", "UserService.java", null, 42, null)),
                new ExceptionInfo(
                    "java.lang.ArithmeticException",
                    "/ by zero",
                    List.of(
                        new StackFrame("com.shop.Pricing", "ratio", "Pricing.java", null, 7, null),
                        new StackFrame("java.lang.Math", "floorDiv", "Math.java", null, 1, null)),
                    null)),
            null,
            null);
    work.add(
        new EventBatch(
            UUID.randomUUID(),
            app,
            now,
            new ServiceInfo("web", "production", version, null, null, null, null),
            List.of(),
            List.of(error)));
    into.commit(
        "events", List.of(new WorkStore.Flush<>(0, offset == 0 ? null : offset, offset + 1, work)));
    offset++;
  }

  @Test
  void framesWithoutInAppAreDecidedByTheDefaultsThenByTheAppsPackages() throws Exception {
    release("v1", now.minus(Duration.ofHours(2)), "carol@shop.io", USER, 40, 48);

    flushWithoutInApp(store, "v1", now.minus(Duration.ofHours(1)));

    Map<String, Object> g = group("com.shop.UserService");
    // The library frame is not in-app by default, the app's frame is: the culprit and the blame.
    assertThat(g.get("assignee_email")).isEqualTo("carol@shop.io");
    String stored =
        jdbc.queryForObject(
            "SELECT exception::text FROM error_occurrences WHERE group_id = ?",
            String.class,
            g.get("id"));
    assertThat(stored) // jsonb orders keys by length, then bytes
        .contains(
            "{\"in_app\": false, \"lineno\": 10, \"module\": \"org.springframework.web.Servlet\"")
        .contains("{\"in_app\": true, \"lineno\": 7, \"module\": \"com.shop.Pricing\"");

    // The app names its packages: only com.shop.Pricing is its own now, a different group.
    jdbc.update("UPDATE apps SET application_packages = '{com.shop.Pricing}' WHERE id = ?", app);
    WorkStore<ErrorWork> fresh =
        new LedgerStore<>(
            new OffsetLedger(stack.stack().dataSource(), "errors"), new ErrorStore(100));
    flushWithoutInApp(fresh, "v1", now.minus(Duration.ofMinutes(30)));
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM error_groups WHERE app_id = ?", Long.class, app))
        .isEqualTo(2);
  }

  private static final StackFrame SPRING_SERVLET =
      new StackFrame(
          "org.springframework.web.servlet.FrameworkServlet",
          "processRequest",
          "FrameworkServlet.java",
          null,
          1022,
          false);

  /** What the Elastic agent sends for an NPE thrown by a controller under Spring Boot 3.5. */
  private static ExceptionInfo servletWrapped(Boolean inApp, int line) {
    return new ExceptionInfo(
        "jakarta.servlet.ServletException",
        "Request processing failed: java.lang.NullPointerException: Cannot invoke"
            + " \"com.shop.User.name()\" because \"user\" is null",
        List.of(
            SPRING_SERVLET,
            new StackFrame(
                "jakarta.servlet.http.HttpServlet",
                "service",
                "HttpServlet.java",
                null,
                590,
                inApp == null ? null : false)),
        new ExceptionInfo(
            "java.lang.NullPointerException",
            "Cannot invoke \"com.shop.User.name()\" because \"user\" is null",
            List.of(
                new StackFrame(
                    "com.shop.UserController", "show", "UserController.java", null, line, inApp),
                new StackFrame(
                    "org.springframework.web.servlet.FrameworkServlet",
                    "processRequest",
                    "FrameworkServlet.java",
                    null,
                    1014,
                    inApp == null ? null : false)),
            null));
  }

  private void flushException(ExceptionInfo exception, Instant at) throws Exception {
    ErrorWork work = ErrorWork.factory(100, new SimpleMeterRegistry()).get();
    work.add(
        new EventBatch(
            UUID.randomUUID(),
            app,
            now,
            new ServiceInfo("web", "production", "v1", null, null, null, null),
            List.of(),
            List.of(
                new ErrorEvent(
                    null, at, null, "GET /users/{id}", "error", null, exception, null, null))));
    store.commit(
        "events", List.of(new WorkStore.Flush<>(0, offset == 0 ? null : offset, offset + 1, work)));
    offset++;
  }

  @Test
  void aWrappedExceptionIsNamedAndGroupedByItsCause() throws Exception {
    flushException(servletWrapped(true, 31), now.minusSeconds(60));
    Map<String, Object> g = jdbc.queryForMap("SELECT * FROM error_groups WHERE app_id = ?", app);
    assertThat(g.get("type")).isEqualTo("java.lang.NullPointerException");
    assertThat((String) g.get("message")).startsWith("Cannot invoke");
    assertThat(g.get("culprit")).isEqualTo("com.shop.UserController.show");
    // The chain is stored whole.
    assertThat(
            jdbc.queryForObject(
                "SELECT exception::text FROM error_occurrences WHERE group_id = ?",
                String.class,
                g.get("id")))
        .contains("jakarta.servlet.ServletException", "java.lang.NullPointerException");
    // The same NPE reported without the wrapper (or with another one) is the same group.
    flushException(servletWrapped(true, 33).cause(), now.minusSeconds(30));
    flushException(
        new ExceptionInfo(
            "java.lang.reflect.InvocationTargetException",
            null,
            List.of(),
            servletWrapped(true, 35).cause()),
        now);
    assertThat(jdbc.queryForList("SELECT id, count FROM error_groups WHERE app_id = ?", app))
        .containsExactly(Map.of("id", g.get("id"), "count", 3L));
  }

  @Test
  void anOtlpShapedChainWhoseFramesAreDecidedInTheFlushIsNamedByItsCause() throws Exception {
    // The OTLP receiver parses exception.stacktrace into the chain, frames without in_app.
    flushException(servletWrapped(null, 31), now);
    Map<String, Object> g = jdbc.queryForMap("SELECT * FROM error_groups WHERE app_id = ?", app);
    assertThat(g.get("type")).isEqualTo("java.lang.NullPointerException");
    assertThat((String) g.get("message")).startsWith("Cannot invoke");
  }

  @Test
  void aGroupCreatedBeforeWrappersWereSkippedKeepsItsIdAndItsEvents() throws Exception {
    // A group as the processor created it before: keyed and named by the ServletException.
    ExceptionInfo old = servletWrapped(true, 31);
    String legacy =
        io.upbeat.events.TokenDigest.sha256Hex(
            ErrorGrouping.key(
                new ErrorEvent(null, now, null, null, "error", null, old, null, null)));
    UUID id = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,"
            + " first_seen, last_seen) VALUES (?, ?, ?, 'jakarta.servlet.ServletException',"
            + " 'Request processing failed: ...', null, 5, ?, ?)",
        id,
        app,
        legacy,
        Timestamp.from(now.minus(Duration.ofDays(1))),
        Timestamp.from(now.minus(Duration.ofHours(1))));

    flushException(servletWrapped(true, 32), now.minusSeconds(20));
    // The bare NPE was a group of its own before, and still is (merge them to join them) ...
    flushException(servletWrapped(true, 32).cause(), now.minusSeconds(10));
    // ... which does not take the wrapped events away from the old group.
    flushException(servletWrapped(true, 33), now);

    assertThat(
            jdbc.queryForList(
                "SELECT count FROM error_groups WHERE app_id = ? AND id <> ?", Long.class, app, id))
        .containsExactly(1L);
    Map<String, Object> g = jdbc.queryForMap("SELECT * FROM error_groups WHERE id = ?", id);
    assertThat(g.get("count")).isEqualTo(7L);
    assertThat(g.get("type")).isEqualTo("java.lang.NullPointerException");
    assertThat(g.get("culprit")).isEqualTo("com.shop.UserController.show");
    // Its group keeps the old key: no notification of a new error either.
    assertThat(g.get("fingerprint")).isEqualTo(legacy);
    assertThat(notifications(id)).isEmpty();
  }

  private void ignore(Object group, String condition, Object value) {
    jdbc.update(
        "UPDATE error_groups SET status = 'ignored', ignore_until_count = NULL,"
            + " ignore_until_at = NULL, ignore_until_release = false, ignored_at = ? WHERE id = ?",
        Timestamp.from(now.minus(Duration.ofMinutes(45))),
        group);
    jdbc.update("UPDATE error_groups SET " + condition + " = ? WHERE id = ?", value, group);
  }

  private Map<String, Object> byId(Object group) {
    return jdbc.queryForMap("SELECT * FROM error_groups WHERE id = ?", group);
  }

  @Test
  void anIgnoredGroupComesBackWhenItsConditionIsMetAndNotBefore() throws Exception {
    release("v1", now.minus(Duration.ofHours(2)), null, null, 0, 0);
    flush("v1", now.minus(Duration.ofHours(1)), "com.shop.UserService", "UserService.java", 42);
    Object id = group("com.shop.UserService").get("id");

    // Until the count reaches 3 (it is 1): one more event is not enough, the next one is.
    ignore(id, "ignore_until_count", 3L);
    flush("v1", now.minus(Duration.ofMinutes(50)), "com.shop.UserService", "UserService.java", 42);
    assertThat(byId(id).get("status")).isEqualTo("ignored");
    flush("v1", now.minus(Duration.ofMinutes(49)), "com.shop.UserService", "UserService.java", 42);
    Map<String, Object> g = byId(id);
    assertThat(g.get("status")).isEqualTo("unresolved");
    assertThat(g.get("regressed")).isEqualTo(false);
    assertThat(g.get("ignore_until_count")).isNull();
    assertThat(g.get("ignored_at")).isNull();
    assertThat(notifications(id)).containsExactly("new_error", "regression");

    // Until a time: an event before it leaves the group ignored, one after reopens it.
    ignore(id, "ignore_until_at", Timestamp.from(now.minus(Duration.ofMinutes(10))));
    flush("v1", now.minus(Duration.ofMinutes(20)), "com.shop.UserService", "UserService.java", 42);
    assertThat(byId(id).get("status")).isEqualTo("ignored");
    flush("v1", now.minus(Duration.ofMinutes(5)), "com.shop.UserService", "UserService.java", 42);
    assertThat(byId(id).get("status")).isEqualTo("unresolved");

    // Until the next release: events of v1 (deployed before) do not count, v2's do.
    ignore(id, "ignore_until_release", true);
    flush("v1", now.minus(Duration.ofMinutes(4)), "com.shop.UserService", "UserService.java", 42);
    assertThat(byId(id).get("status")).isEqualTo("ignored");
    flush(
        "v9-unknown",
        now.minus(Duration.ofMinutes(3)),
        "com.shop.UserService",
        "UserService.java",
        42);
    assertThat(byId(id).get("status")).isEqualTo("ignored");
    release("v2", now.minus(Duration.ofMinutes(30)), null, null, 0, 0);
    flush("v2", now.minus(Duration.ofMinutes(2)), "com.shop.UserService", "UserService.java", 42);
    g = byId(id);
    assertThat(g.get("status")).isEqualTo("unresolved");
    assertThat(g.get("ignore_until_release")).isEqualTo(false);
    assertThat(notifications(id))
        .containsExactly("new_error", "regression", "regression", "regression");

    // Ignored for good (no condition): stays ignored whatever comes.
    jdbc.update("UPDATE error_groups SET status = 'ignored' WHERE id = ?", id);
    flush("v2", now, "com.shop.UserService", "UserService.java", 42);
    assertThat(byId(id).get("status")).isEqualTo("ignored");
  }
}
