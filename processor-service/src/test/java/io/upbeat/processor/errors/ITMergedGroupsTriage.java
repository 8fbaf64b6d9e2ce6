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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The errors pipeline's flush over merged groups, on real PostgreSQL: a member keeps its own
 * counts, but its events are triaged as its target's (a resolved target regresses, an ignored
 * target's count includes them, nothing announces the member as new), once per flush for the whole
 * merged group.
 */
class ITMergedGroupsTriage {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private final Instant now = Instant.now();
  private JdbcTemplate jdbc;
  private WorkStore<ErrorWork> store;
  private long offset;

  @BeforeEach
  void setUp() {
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
    jdbc.execute(
        (ConnectionCallback<Void>)
            c -> {
              AlertRules.insertDefaults(c, app);
              return null;
            });
    store = new LedgerStore<>(new OffsetLedger(db, "errors"), new ErrorStore(100));
  }

  @Test
  void aMembersEventRegressesItsResolvedTargetAndCountsOnlyOnItself() throws Exception {
    flush(now.minus(Duration.ofHours(3)), "com.shop.Cart");
    flush(now.minus(Duration.ofHours(3)), "com.shop.Pay");
    UUID target = id("com.shop.Cart");
    UUID member = id("com.shop.Pay");
    merge(target, member);
    jdbc.update(
        "UPDATE error_groups SET status = 'resolved', resolved_at = ? WHERE id = ?",
        Timestamp.from(now.minus(Duration.ofHours(2))),
        target);
    jdbc.update("DELETE FROM notifications WHERE app_id = ?", app);

    flush(now.minus(Duration.ofHours(1)), "com.shop.Pay", "com.shop.Pay");

    assertThat(count(member)).isEqualTo(3);
    assertThat(count(target)).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM error_groups WHERE id = ?", String.class, member))
        .isEqualTo("unresolved");
    assertThat(jdbc.queryForMap("SELECT status, regressed FROM error_groups WHERE id = ?", target))
        .containsEntry("status", "unresolved")
        .containsEntry("regressed", true);
    assertThat(notifications()).containsExactly("regression " + target);
    // Still merged after the flush's upsert.
    assertThat(
            jdbc.queryForObject(
                "SELECT merged_into FROM error_groups WHERE id = ?", UUID.class, member))
        .isEqualTo(target);
  }

  @Test
  void oneFlushOfATargetAndItsMembersRegressesItOnce() throws Exception {
    flush(now.minus(Duration.ofHours(3)), "com.shop.Cart");
    flush(now.minus(Duration.ofHours(3)), "com.shop.Pay");
    flush(now.minus(Duration.ofHours(3)), "com.shop.Ship");
    UUID target = id("com.shop.Pay");
    merge(target, id("com.shop.Cart"), id("com.shop.Ship"));
    jdbc.update(
        "UPDATE error_groups SET status = 'resolved', resolved_at = ? WHERE id = ?",
        Timestamp.from(now.minus(Duration.ofHours(2))),
        target);
    jdbc.update("DELETE FROM notifications WHERE app_id = ?", app);

    flush(now.minus(Duration.ofHours(1)), "com.shop.Cart", "com.shop.Pay", "com.shop.Ship");

    assertThat(notifications()).containsExactly("regression " + target);
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM error_groups WHERE id = ?", String.class, target))
        .isEqualTo("unresolved");
  }

  @Test
  void anIgnoredTargetsCountIncludesItsMembersEvents() throws Exception {
    flush(now.minus(Duration.ofHours(3)), "com.shop.Cart", "com.shop.Cart");
    flush(now.minus(Duration.ofHours(3)), "com.shop.Pay");
    UUID target = id("com.shop.Cart");
    UUID member = id("com.shop.Pay");
    merge(target, member);
    // Ignored until 2 more events of the merged group (3 so far).
    jdbc.update(
        "UPDATE error_groups SET status = 'ignored', ignore_until_count = 5, ignored_at = ?"
            + " WHERE id = ?",
        Timestamp.from(now.minus(Duration.ofHours(2))),
        target);
    jdbc.update("DELETE FROM notifications WHERE app_id = ?", app);

    flush(now.minus(Duration.ofMinutes(30)), "com.shop.Pay");
    assertThat(status(target)).isEqualTo("ignored");
    assertThat(notifications()).isEmpty();

    flush(now.minus(Duration.ofMinutes(20)), "com.shop.Pay");
    assertThat(status(target)).isEqualTo("unresolved");
    assertThat(notifications()).containsExactly("regression " + target);
  }

  @Test
  void aFlushOfGroupsNobodyMergedIsTriagedAsBefore() throws Exception {
    flush(now.minus(Duration.ofHours(3)), "com.shop.Cart");
    flush(now.minus(Duration.ofHours(3)), "com.shop.Pay");
    merge(id("com.shop.Cart"), id("com.shop.Pay"));
    flush(now.minus(Duration.ofHours(2)), "com.shop.Ship");
    UUID ship = id("com.shop.Ship");
    assertThat(notifications()).contains("new_error " + ship);
    assertThat(notifications().stream().filter(n -> n.startsWith("new_error"))).hasSize(3);
  }

  private void merge(UUID target, UUID... members) {
    for (UUID m : members) {
      jdbc.update("UPDATE error_groups SET merged_into = ? WHERE id = ?", target, m);
    }
    jdbc.update("UPDATE error_groups SET has_members = true WHERE id = ?", target);
  }

  private UUID id(String module) {
    return jdbc.queryForObject(
        "SELECT id FROM error_groups WHERE app_id = ? AND culprit = ?",
        UUID.class,
        app,
        module + ".find");
  }

  private long count(UUID group) {
    return jdbc.queryForObject("SELECT count FROM error_groups WHERE id = ?", Long.class, group);
  }

  private String status(UUID group) {
    return jdbc.queryForObject("SELECT status FROM error_groups WHERE id = ?", String.class, group);
  }

  private List<String> notifications() {
    return jdbc.queryForList(
        "SELECT kind || ' ' || group_id FROM notifications WHERE app_id = ? ORDER BY created_at",
        String.class,
        app);
  }

  /** One flush with an event at {@code at} in each module (its own group). */
  private void flush(Instant at, String... modules) throws Exception {
    ErrorWork work = ErrorWork.factory(100, new SimpleMeterRegistry()).get();
    List<ErrorEvent> errors = new ArrayList<>();
    for (String module : modules) {
      errors.add(
          new ErrorEvent(
              null,
              at,
              null,
              "GET /cart",
              "error",
              null,
              new ExceptionInfo(
                  "java.lang.IllegalStateException",
                  "broken",
                  List.of(new StackFrame(module, "find", "X.java", null, 10, true)),
                  null),
              null,
              null));
    }
    work.add(
        new EventBatch(
            UUID.randomUUID(),
            app,
            now,
            new ServiceInfo("web", "production", null, null, null, null, null),
            List.of(),
            errors));
    store.commit(
        "events", List.of(new WorkStore.Flush<>(0, offset == 0 ? null : offset, offset + 1, work)));
    offset++;
  }
}
