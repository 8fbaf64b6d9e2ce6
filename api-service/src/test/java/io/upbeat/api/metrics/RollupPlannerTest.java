package io.upbeat.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.metrics.RollupPlanner.Level;
import io.upbeat.api.metrics.RollupPlanner.Segment;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RollupPlannerTest {
  private static final Instant LONG_AGO = Instant.parse("2000-01-01T00:00:00Z");

  private static Instant t(String s) {
    return Instant.parse(s);
  }

  private static Segment seg(Level level, String from, String to) {
    return new Segment(level, t(from), t(to));
  }

  @Test
  void partialHoursAtTheEdgesComeFromMinutesAndWholeHoursFromHours() {
    RollupPlanner p = new RollupPlanner(Set.of(), Set.of(), LONG_AGO, LONG_AGO);
    assertThat(p.plan(t("2026-11-26T10:17:00Z"), t("2026-11-26T13:17:00Z")))
        .containsExactly(
            seg(Level.MINUTE, "2026-11-26T10:17:00Z", "2026-11-26T11:00:00Z"),
            seg(Level.HOUR, "2026-11-26T11:00:00Z", "2026-11-26T13:00:00Z"),
            seg(Level.MINUTE, "2026-11-26T13:00:00Z", "2026-11-26T13:17:00Z"));
  }

  @Test
  void wholeDaysComeFromDaysAndAOneMinuteWindowFromOneMinute() {
    RollupPlanner p = new RollupPlanner(Set.of(), Set.of(), LONG_AGO, LONG_AGO);
    assertThat(p.plan(t("2026-11-20T23:59:00Z"), t("2026-11-23T01:00:00Z")))
        .containsExactly(
            seg(Level.MINUTE, "2026-11-20T23:59:00Z", "2026-11-21T00:00:00Z"),
            seg(Level.DAY, "2026-11-21T00:00:00Z", "2026-11-23T00:00:00Z"),
            seg(Level.HOUR, "2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z"));
    assertThat(p.plan(t("2026-11-26T10:17:00Z"), t("2026-11-26T10:18:00Z")))
        .containsExactly(seg(Level.MINUTE, "2026-11-26T10:17:00Z", "2026-11-26T10:18:00Z"));
  }

  @Test
  void thePlansOfAChartsPointsCoalesceIntoFewRanges() {
    RollupPlanner p = new RollupPlanner(Set.of(), Set.of(), LONG_AGO, LONG_AGO);
    List<Segment> all = new java.util.ArrayList<>();
    for (Instant m = t("2026-11-26T10:17:00Z");
        m.isBefore(t("2026-11-26T10:47:00Z"));
        m = m.plusSeconds(60)) {
      all.addAll(p.plan(m, m.plusSeconds(60)));
    }
    assertThat(all).hasSize(30);
    assertThat(RollupPlanner.coalesce(all))
        .containsExactly(seg(Level.MINUTE, "2026-11-26T10:17:00Z", "2026-11-26T10:47:00Z"));
  }

  @Test
  void staleRollupsAreReadFromTheFinerLevel() {
    RollupPlanner p =
        new RollupPlanner(
            Set.of(t("2026-11-22T05:00:00Z")),
            Set.of(t("2026-11-21T00:00:00Z")),
            LONG_AGO,
            LONG_AGO);
    List<Segment> plan = p.plan(t("2026-11-21T00:00:00Z"), t("2026-11-23T00:00:00Z"));
    assertThat(plan)
        .containsExactly(
            // Day 21 is dirty: its hours. Day 22 has a dirty hour: hours, minutes for that one.
            seg(Level.HOUR, "2026-11-21T00:00:00Z", "2026-11-22T05:00:00Z"),
            seg(Level.MINUTE, "2026-11-22T05:00:00Z", "2026-11-22T06:00:00Z"),
            seg(Level.HOUR, "2026-11-22T06:00:00Z", "2026-11-23T00:00:00Z"));
  }

  @Test
  void edgesBeyondARetentionWidenToTheNextLevel() {
    RollupPlanner p =
        new RollupPlanner(Set.of(), Set.of(), t("2026-11-19T00:00:00Z"), t("2026-08-28T00:00:00Z"));
    assertThat(p.plan(t("2026-11-18T10:17:00Z"), t("2026-11-19T00:30:00Z")))
        .containsExactly(
            seg(Level.HOUR, "2026-11-18T10:00:00Z", "2026-11-19T00:00:00Z"),
            seg(Level.MINUTE, "2026-11-19T00:00:00Z", "2026-11-19T00:30:00Z"));
    assertThat(p.plan(t("2026-08-27T10:17:00Z"), t("2026-08-28T02:00:00Z")))
        .containsExactly(
            seg(Level.DAY, "2026-08-27T00:00:00Z", "2026-08-28T00:00:00Z"),
            seg(Level.HOUR, "2026-08-28T00:00:00Z", "2026-08-28T02:00:00Z"));
  }
}
