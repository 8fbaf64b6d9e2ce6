package io.upbeat.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.metrics.DurationStats;
import io.upbeat.metrics.Statistic;
import io.upbeat.storage.Schema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The evaluator on the real database with known minute data straddling an hour boundary (10:50 to
 * 11:15): each rule fires exactly at the minutes where the exact statistic of each of its last
 * minutes crosses the threshold (computed here from the raw durations, in one piece, while the
 * stored rows are split over two source partitions), resolves exactly when that stops, the same
 * across a restart; and two evaluators racing over the same rules evaluate each (rule, minute)
 * once.
 */
class ITAlertEvaluator {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final Instant FIRST = Instant.parse("2026-12-01T10:50:00Z");
  private static final int DATA_MINUTES = 26; // 10:50 .. 11:15
  private static final Instant LAST_EVALUATED = Instant.parse("2026-12-01T11:19:00Z");
  private static final Duration GRACE = Duration.ofSeconds(15);
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private DataSource db;
  private final UUID app = UUID.randomUUID();

  /** Raw durations per minute (true = failed), and errors per minute. */
  private final Map<Instant, List<double[]>> durations = new HashMap<>();

  private final Map<Instant, Long> errors = new HashMap<>();

  @BeforeEach
  void schemaAndData() throws Exception {
    db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      for (String t : List.of("txn_metrics_1m", "error_counts_1m")) {
        s.execute(
            "CREATE TABLE "
                + t
                + "_20261201 PARTITION OF "
                + t
                + " FOR VALUES FROM ('2026-12-01T00:00:00Z') TO ('2026-12-02T00:00:00Z')");
      }
      UUID org = UUID.randomUUID();
      s.execute(
          "INSERT INTO orgs (id, slug, name) VALUES ('"
              + org
              + "', 'org-"
              + app.toString().substring(0, 8)
              + "', 'o')");
      s.execute(
          "INSERT INTO apps (id, org_id, name) VALUES ('" + app + "', '" + org + "', 'shop')");
      s.execute(
          "INSERT INTO releases (id, app_id, version, environment, deployed_at) VALUES ('"
              + UUID.randomUUID()
              + "', '"
              + app
              + "', '2.0', 'production', '2026-12-01T09:00:00Z')");
    }
    Random random = new Random(42);
    for (int i = 0; i < DATA_MINUTES; i++) {
      Instant m = FIRST.plus(MINUTE.multipliedBy(i));
      if (i == 9) {
        continue; // a minute without traffic
      }
      boolean slow = random.nextInt(3) > 0;
      int n = 2 + random.nextInt(12);
      List<double[]> list = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        double d = (slow ? 200 : 20) + random.nextInt(400) + random.nextInt(1000) / 1000.0;
        list.add(new double[] {d, random.nextInt(4) == 0 ? 1 : 0});
      }
      durations.put(m, list);
      errors.put(m, (long) random.nextInt(6));
    }
    store();
  }

  @Test
  void aMergedGroupsErrorCountsIncludeItsMembersButAMembersOnlyItsOwn() throws Exception {
    UUID target = UUID.randomUUID();
    UUID member = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    Instant m = FIRST.plus(MINUTE.multipliedBy(3));
    try (Connection c = db.getConnection()) {
      try (Statement s = c.createStatement()) {
        for (UUID g : List.of(target, member, other)) {
          s.execute(
              ("INSERT INTO error_groups (id, app_id, fingerprint, type, count, first_seen,"
                      + " last_seen) VALUES ('%s', '%s', encode(sha256(convert_to('%s', 'UTF8')), 'hex'),"
                      + " 'E', 1, now(), now())")
                  .formatted(g, app, g));
        }
        s.execute("UPDATE error_groups SET has_members = true WHERE id = '" + target + "'");
        s.execute(
            "UPDATE error_groups SET merged_into = '" + target + "' WHERE id = '" + member + "'");
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              """
              INSERT INTO error_counts_1m (app_id, group_id, environment, release, bucket,
                source_partition, count) VALUES (?, ?, 'production', '', ?, 0, ?)
              """)) {
        Map<UUID, Integer> counts = Map.of(target, 2, member, 5, other, 11);
        for (var e : counts.entrySet()) {
          ps.setObject(1, app);
          ps.setObject(2, e.getKey());
          ps.setTimestamp(3, Timestamp.from(m));
          ps.setLong(4, e.getValue());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      PostgresMinutes minutes = new PostgresMinutes(c);
      Instant to = m.plus(MINUTE);
      assertThat(minutes.errors(app, null, target, m, to)).containsEntry(m, 7L);
      assertThat(minutes.errors(app, "production", member, m, to)).containsEntry(m, 5L);
      assertThat(minutes.errors(app, null, other, m, to)).containsEntry(m, 11L);
    }
  }

  /** Writes the minutes as the processor would: split over two source partitions and two types. */
  private void store() throws Exception {
    UUID groupA = UUID.randomUUID();
    UUID groupB = UUID.randomUUID();
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
                INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
                  source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
                VALUES (?, 'production', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """);
        PreparedStatement errs =
            c.prepareStatement(
                """
                INSERT INTO error_counts_1m (app_id, group_id, environment, release, bucket,
                  source_partition, count) VALUES (?, ?, 'production', '2.0', ?, ?, ?)
                """)) {
      for (var e : durations.entrySet()) {
        for (int part = 0; part < 2; part++) {
          DurationStats s = new DurationStats();
          for (int k = part; k < e.getValue().size(); k += 2) {
            s.add(e.getValue().get(k)[0], e.getValue().get(k)[1] == 1);
          }
          if (s.count() == 0) {
            continue;
          }
          String type = part == 0 ? "request" : "scheduled";
          for (String name : List.of("", "GET /x")) {
            ps.setObject(1, app);
            ps.setString(2, type);
            ps.setString(3, name);
            ps.setTimestamp(4, Timestamp.from(e.getKey()));
            ps.setInt(5, part);
            ps.setLong(6, s.count());
            ps.setDouble(7, s.sum());
            ps.setDouble(8, s.min());
            ps.setDouble(9, s.max());
            ps.setLong(10, s.failures());
            ps.setBytes(11, s.sketch().toBytes());
            ps.addBatch();
          }
        }
      }
      ps.executeBatch();
      for (var e : errors.entrySet()) {
        long a = e.getValue() / 2;
        long b = e.getValue() - a;
        if (a > 0) {
          errs.setObject(1, app);
          errs.setObject(2, groupA);
          errs.setTimestamp(3, Timestamp.from(e.getKey()));
          errs.setInt(4, 1);
          errs.setLong(5, a);
          errs.addBatch();
        }
        if (b > 0) {
          errs.setObject(1, app);
          errs.setObject(2, groupB);
          errs.setTimestamp(3, Timestamp.from(e.getKey()));
          errs.setInt(4, 2);
          errs.setLong(5, b);
          errs.addBatch();
        }
      }
      errs.executeBatch();
    }
  }

  /** The exact stats of a minute, from its raw durations in one piece. */
  private DurationStats exact(Instant m) {
    DurationStats s = new DurationStats();
    for (double[] d : durations.getOrDefault(m, List.of())) {
      s.add(d[0], d[1] == 1);
    }
    return s;
  }

  private static List<Instant> minutes() {
    List<Instant> out = new ArrayList<>();
    for (Instant m = FIRST; !m.isAfter(LAST_EVALUATED); m = m.plus(MINUTE)) {
      out.add(m);
    }
    return out;
  }

  /** A threshold between two of the minutes' values near their median: never equal to one. */
  private static double between(List<Double> values) {
    List<Double> sorted = new ArrayList<>(new TreeSet<>(values));
    int i = sorted.size() / 2;
    return (sorted.get(i - 1) + sorted.get(i)) / 2;
  }

  /** One rule per kind and statistic, with the expected breach of each minute. */
  private record Case(Rule rule, Function<Instant, Boolean> breached) {}

  private List<Case> cases() {
    List<Case> out = new ArrayList<>();
    int forMinutes = 3;
    for (Statistic st : Statistic.values()) {
      List<Double> values = new ArrayList<>();
      for (Instant m : durations.keySet()) {
        values.add(st.of(exact(m)));
      }
      double thr = between(values);
      Condition c =
          new Condition.Latency(st, thr, forMinutes, st == Statistic.P95 ? "GET /x" : null);
      out.add(
          new Case(
              rule(c),
              m -> {
                for (int k = 0; k < forMinutes; k++) {
                  Double v = st.of(exact(m.minus(MINUTE.multipliedBy(k))));
                  if (v == null || v <= thr) {
                    return false;
                  }
                }
                return true;
              }));
    }
    List<Double> rates = new ArrayList<>();
    for (Instant m : durations.keySet()) {
      DurationStats s = exact(m);
      rates.add(s.failures() * 100.0 / s.count());
    }
    double rateThr = between(rates);
    out.add(
        new Case(
            rule(new Condition.ErrorRate(rateThr, 2, 3)),
            m -> {
              for (int k = 0; k < 2; k++) {
                DurationStats s = exact(m.minus(MINUTE.multipliedBy(k)));
                if (s.count() < 3 || s.failures() * 100.0 / s.count() <= rateThr) {
                  return false;
                }
              }
              return true;
            }));
    List<Double> counts = new ArrayList<>();
    for (Instant m : durations.keySet()) {
      counts.add((double) exact(m).count());
    }
    double rpm = between(counts);
    out.add(
        new Case(
            rule(new Condition.ThroughputBelow(rpm, 2, null)),
            m -> {
              for (int k = 0; k < 2; k++) {
                if (exact(m.minus(MINUTE.multipliedBy(k))).count() >= rpm) {
                  return false;
                }
              }
              return true;
            }));
    int window = 5;
    Function<Instant, Long> windowSum =
        m -> {
          long sum = 0;
          for (int k = 0; k < window; k++) {
            sum += errors.getOrDefault(m.minus(MINUTE.multipliedBy(k)), 0L);
          }
          return sum;
        };
    List<Double> sums = new ArrayList<>();
    for (Instant m : minutes()) {
      sums.add((double) windowSum.apply(m));
    }
    double errThr = between(sums);
    out.add(
        new Case(
            rule(new Condition.ErrorCount(errThr, window, null)),
            m -> windowSum.apply(m) > errThr));
    return out;
  }

  private Rule rule(Condition c) {
    return new Rule(
        UUID.randomUUID(), app, c.describe(), "production", c, List.of(), List.of(), 0, false);
  }

  private void insert(List<Case> cases) throws Exception {
    try (Connection c = db.getConnection()) {
      for (Case k : cases) {
        AlertRules.insert(c, k.rule());
      }
      try (Statement s = c.createStatement()) {
        s.execute("UPDATE alert_rules SET next_minute = '" + FIRST + "'");
      }
    }
  }

  private static List<String> expectedEvents(Case k) {
    List<String> out = new ArrayList<>();
    boolean firing = false;
    for (Instant m : minutes()) {
      boolean b = k.breached().apply(m);
      if (b != firing) {
        out.add((b ? "firing" : "resolved") + "@" + m.plus(MINUTE));
        firing = b;
      }
    }
    return out;
  }

  private List<String> storedEvents(UUID rule) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT state, at FROM alert_events WHERE rule_id = ? ORDER BY at, state")) {
      ps.setObject(1, rule);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1) + "@" + rs.getTimestamp(2).toInstant());
        }
      }
    }
    return out;
  }

  private static Clock at(Instant minute) {
    // The minute's data is complete GRACE after its end: evaluate just after that.
    return Clock.fixed(minute.plus(MINUTE).plus(GRACE).plusMillis(500), ZoneOffset.UTC);
  }

  @Test
  void eachRuleFiresExactlyWhenItsExactStatisticCrossesAcrossARestart() throws Exception {
    List<Case> cases = cases();
    insert(cases);
    // A first processor evaluates up to 10:58, stops; a new one catches up to 11:19.
    new AlertEvaluator(db, at(Instant.parse("2026-12-01T10:58:00Z")), GRACE, 1440).runOnce();
    List<AlertEvaluator.Evaluated> rest =
        new AlertEvaluator(db, at(LAST_EVALUATED), GRACE, 1440).runOnce();
    assertThat(rest).hasSize(cases.size() * 21); // 10:59 .. 11:19
    int transitions = 0;
    for (Case k : cases) {
      List<String> expected = expectedEvents(k);
      transitions += expected.size();
      assertThat(storedEvents(k.rule().id())).as(k.rule().name()).isEqualTo(expected);
      // The preview replays the same minutes to the same events.
      try (Connection c = db.getConnection()) {
        Preview.Result p = Preview.run(c, k.rule(), FIRST, LAST_EVALUATED);
        assertThat(p.events().stream().map(e -> e.state() + "@" + e.at()).toList())
            .isEqualTo(expected);
        assertThat(p.fired())
            .isEqualTo((int) expected.stream().filter(e -> e.startsWith("f")).count());
      }
    }
    assertThat(transitions)
        .as("the data makes the rules fire and resolve")
        .isGreaterThan(cases.size());
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*), count(DISTINCT alert_rule_id), min(payload->>'release')"
                    + " FROM notifications WHERE kind = 'alert'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(transitions);
      assertThat(rs.getString(3)).isEqualTo("2.0");
    }
  }

  @Test
  void aRuleWhoseDataCannotBeReadCostsOnlyItselfAndKeepsItsCursor() throws Exception {
    List<Case> cases = cases();
    Rule poisoned = rule(new Condition.Latency(Statistic.P99, 100, 1, "GET /corrupt"));
    insert(cases);
    try (Connection c = db.getConnection()) {
      AlertRules.insert(c, poisoned);
      try (Statement s = c.createStatement()) {
        s.execute("UPDATE alert_rules SET next_minute = '" + FIRST + "'");
        // A row whose sketch is not a sketch: reading the rule's minutes fails every time.
        s.execute(
            ("INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,"
                    + " source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)"
                    + " VALUES ('%s', 'production', 'request', 'GET /corrupt', '%s', 0, 1, 5, 5,"
                    + " 5, 0, '\\x00ff00ff')")
                .formatted(app, FIRST.plus(MINUTE.multipliedBy(2))));
      }
    }
    Map<UUID, Integer> failures = new HashMap<>();
    List<AlertEvaluator.Evaluated> done =
        new AlertEvaluator(db, at(LAST_EVALUATED), GRACE, 1440)
            .runOnce((rule, e) -> failures.merge(rule, 1, Integer::sum));

    // Once per run, and every other rule evaluated every minute, with its exact events.
    assertThat(failures).containsExactly(Map.entry(poisoned.id(), 1));
    assertThat(done).hasSize(cases.size() * minutes().size());
    for (Case k : cases) {
      assertThat(storedEvents(k.rule().id())).as(k.rule().name()).isEqualTo(expectedEvents(k));
    }
    // Its cursor has not moved: once its data is repaired, no minute of it was skipped.
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM txn_metrics_1m WHERE txn_name = 'GET /corrupt'");
    }
    List<AlertEvaluator.Evaluated> repaired =
        new AlertEvaluator(db, at(LAST_EVALUATED), GRACE, 1440).runOnce();
    assertThat(repaired)
        .hasSize(minutes().size())
        .allSatisfy(e -> assertThat(e.ruleId()).isEqualTo(poisoned.id()));
  }

  @Test
  void twoEvaluatorsRacingEvaluateEachRuleAndMinuteOnce() throws Exception {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      cases.addAll(cases());
    }
    insert(cases);
    CyclicBarrier start = new CyclicBarrier(2);
    List<AlertEvaluator.Evaluated> all = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      List<Future<List<AlertEvaluator.Evaluated>>> runs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        AlertEvaluator evaluator = new AlertEvaluator(db, at(LAST_EVALUATED), GRACE, 1440);
        Callable<List<AlertEvaluator.Evaluated>> run =
            () -> {
              start.await();
              return evaluator.runOnce();
            };
        runs.add(pool.submit(run));
      }
      List<Integer> sizes = new ArrayList<>();
      for (var f : runs) {
        List<AlertEvaluator.Evaluated> done = f.get();
        sizes.add(done.size());
        all.addAll(done);
      }
      assertThat(sizes).as("both took part").allMatch(n -> n > 0);
    }
    Set<String> seen = new HashSet<>();
    for (AlertEvaluator.Evaluated e : all) {
      assertThat(seen.add(e.ruleId() + "@" + e.minute())).as("evaluated twice: " + e).isTrue();
    }
    assertThat(seen).hasSize(cases.size() * minutes().size());
    long expectedEvents = 0;
    for (Case k : cases) {
      List<String> expected = expectedEvents(k);
      expectedEvents += expected.size();
      assertThat(storedEvents(k.rule().id())).isEqualTo(expected);
    }
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT count(*) FROM alert_events),"
                    + " (SELECT count(*) FROM notifications WHERE kind = 'alert')")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(expectedEvents);
      assertThat(rs.getLong(2)).isEqualTo(expectedEvents);
    }
    // Nothing is due any more: a third run evaluates nothing.
    assertThat(new AlertEvaluator(db, at(LAST_EVALUATED), GRACE, 1440).runOnce()).isEmpty();
  }
}
