package io.upbeat.processor.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.metrics.UserSketch;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.storage.Schema;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Distinct users in the errors pipeline's commit, on real PostgreSQL: counted by user id, else
 * e-mail, per environment and hour, each commit writing the rows of its lowest partition only, so
 * the rows of a window merge into the exact number of distinct users; hours past the retention are
 * not counted, and old partitions are dropped.
 */
class ITErrorUsers {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private final Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minusSeconds(3600);
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);
  private final Map<Integer, Long> offsets = new HashMap<>();
  private JdbcTemplate jdbc;
  private ErrorStore effects;
  private WorkStore<ErrorWork> store;

  @BeforeEach
  void setUp() throws Exception {
    DataSource db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    jdbc = new JdbcTemplate(db);
    effects = new ErrorStore(5, new InAppRules(), Wrappers.defaults(), null, new ErrorUsers(db, 2));
    store = new LedgerStore<>(new OffsetLedger(db, "errors"), effects);
    store.prepare(today);
  }

  @Test
  void countsDistinctUsersByIdElseEmailPerEnvironmentAndHour() throws Exception {
    // Partition 0: users 1, 2, 3 (1 twice) and one event without a user, in production.
    commit(
        work(
            "production",
            error(hour.plusSeconds(10), "{\"user\": {\"id\": \"1\"}}"),
            error(hour.plusSeconds(20), "{\"user\": {\"id\": \"2\", \"email\": \"two@x.org\"}}"),
            error(hour.plusSeconds(30), "{\"user\": {\"id\": \"1\"}}"),
            error(hour.plusSeconds(40), "{\"user\": {\"id\": 3}}"),
            error(hour.plusSeconds(50), null)),
        0);
    // Partition 1: user 2 again, and two who are known by e-mail only (one in two spellings).
    commit(
        work(
            "production",
            error(hour.plusSeconds(60), "{\"user\": {\"id\": \"2\"}}"),
            error(hour.plusSeconds(70), "{\"user\": {\"email\": \"Ann@Example.org\"}}"),
            error(hour.plusSeconds(80), "{\"user\": {\"email\": \"ann@example.org\"}}"),
            error(hour.plusSeconds(90), "{\"user\": {\"name\": \"nameless counts not\"}}")),
        1);
    // Partitions 1 and 2 in one commit: written to partition 1's rows.
    commit(
        List.of(
            work("staging", error(hour.plusSeconds(100), "{\"user\": {\"id\": \"1\"}}")),
            work("production", error(hour.plusSeconds(3700), "{\"user\": {\"id\": \"9\"}}"))),
        List.of(1, 2));

    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT source_partition FROM error_users_1h ORDER BY 1", Integer.class))
        .containsExactly(0, 1);
    assertThat(users("production", hour, hour.plusSeconds(3600))).isEqualTo(4); // 1, 2, 3, ann
    assertThat(users("staging", hour, hour.plusSeconds(3600))).isEqualTo(1);
    assertThat(users(null, hour, hour.plusSeconds(3600))).isEqualTo(4);
    assertThat(users("production", hour, hour.plusSeconds(7200))).isEqualTo(5); // and 9
    assertThat(users(null, hour.plusSeconds(3600), hour.plusSeconds(7200))).isEqualTo(1);
  }

  @Test
  void hoursPastTheRetentionAreNotCountedAndOldPartitionsAreDropped() throws Exception {
    Instant old = today.minusDays(5).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(60);
    commit(
        work(
            "production",
            error(old, "{\"user\": {\"id\": \"old\"}}"),
            error(hour, "{\"user\": {\"id\": \"new\"}}")),
        0);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM error_groups WHERE app_id = ?", Long.class, app))
        .isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT sum(count) FROM error_groups WHERE app_id = ?", Long.class, app))
        .isEqualTo(2);
    assertThat(users(null, old.minusSeconds(3600), hour.plusSeconds(3600))).isEqualTo(1);

    // Three days later, with two days kept, today's hours are gone with their partition.
    store.prepare(today.plusDays(3));
    assertThat(users(null, hour, hour.plusSeconds(3600))).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    + " WHERE i.inhparent = 'error_users_1h'::regclass AND c.relname = ?",
                Long.class,
                "error_users_1h_" + today.toString().replace("-", "")))
        .isZero();
  }

  /**
   * The distinct users of the app's groups in [from, to), merged from every row as the API does.
   */
  private long users(String environment, Instant from, Instant to) {
    UserSketch merged = new UserSketch();
    jdbc.query(
        "SELECT u.sketch FROM error_users_1h u JOIN error_groups g ON g.id = u.group_id"
            + " WHERE g.app_id = ? AND u.hour >= ? AND u.hour < ?"
            + " AND (CAST(? AS text) IS NULL OR u.environment = ?)",
        rs -> {
          merged.merge(rs.getBytes(1));
        },
        app,
        Timestamp.from(from),
        Timestamp.from(to),
        environment,
        environment);
    assertThat(merged.isExact()).isTrue();
    return merged.count();
  }

  private void commit(ErrorWork work, int partition) throws Exception {
    commit(List.of(work), List.of(partition));
  }

  private void commit(List<ErrorWork> works, List<Integer> partitions) throws Exception {
    List<WorkStore.Flush<ErrorWork>> flushes = new ArrayList<>();
    for (int i = 0; i < works.size(); i++) {
      int p = partitions.get(i);
      Long start = offsets.get(p);
      flushes.add(new WorkStore.Flush<>(p, start, (start == null ? 0 : start) + 1, works.get(i)));
      offsets.put(p, (start == null ? 0 : start) + 1);
    }
    store.commit("events", flushes);
  }

  private ErrorWork work(String environment, ErrorEvent... errors) {
    ErrorWork work = ErrorWork.factory(5, new SimpleMeterRegistry()).get();
    work.add(
        new EventBatch(
            UUID.randomUUID(),
            app,
            Instant.now(),
            new ServiceInfo("web", environment, "1.0", null, null, null, null),
            List.of(),
            List.of(errors)));
    return work;
  }

  private static ErrorEvent error(Instant at, String context) {
    return new ErrorEvent(
        null,
        at,
        null,
        "GET /users",
        "error",
        null,
        new ExceptionInfo(
            "java.lang.IllegalStateException",
            "broken",
            List.of(new StackFrame("com.shop.Users", "find", "Users.java", null, 7, true)),
            null),
        null,
        context);
  }
}
