package io.upbeat.api.errors;

import io.upbeat.api.params.Times;
import io.upbeat.metrics.UserSketch;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What an error group's detail says about a window: its events per environment and per release
 * (exact, summed from the errors pipeline's per-minute counts, {@code error_counts_1m}) and its
 * distinct users (merged from the per-hour sketches, {@code error_users_1h}). Both tables hold a
 * row per source partition; a window's rows are summed or merged here. A merged group's are its own
 * and its members' ({@link ErrorGroups#FAMILY_IDS}).
 */
@Repository
class ErrorBreakdowns {
  /** Events of one environment in the window. */
  record EnvironmentCount(String name, long count) {}

  /** Events of one release in the window; {@code version} is null for events that named none. */
  record ReleaseCount(String version, long count) {}

  /**
   * Distinct users in the window.
   *
   * @param method {@code exact} (at most {@link UserSketch#EXACT_LIMIT} users: counted from their
   *     hashes) or {@code hll} (an UltraLogLog estimate within 2 %)
   */
  record Users(long count, String method) {}

  /** Everything the detail shows for a window. */
  record Breakdown(List<EnvironmentCount> environments, List<ReleaseCount> releases, Users users) {}

  private final JdbcClient jdbc;

  ErrorBreakdowns(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The hours [{@code from}'s hour, {@code to}) of a group, as {@code hourly} counts them (an hour
   * that starts before {@code to} counts whole), in {@code environment} unless it is null.
   */
  Breakdown of(UUID app, UUID group, String environment, Instant from, Instant to) {
    Instant first = from.truncatedTo(ChronoUnit.HOURS);
    Instant last = to.truncatedTo(ChronoUnit.HOURS);
    Instant end = last.equals(to) ? to : last.plus(1, ChronoUnit.HOURS);
    return new Breakdown(
        environments(app, group, environment, first, end),
        releases(app, group, environment, first, end),
        users(group, environment, first, to));
  }

  private List<EnvironmentCount> environments(
      UUID app, UUID group, String environment, Instant from, Instant to) {
    return counts("environment", app, group, environment, from, to).stream()
        .map(c -> new EnvironmentCount(c.key(), c.count()))
        .toList();
  }

  private List<ReleaseCount> releases(
      UUID app, UUID group, String environment, Instant from, Instant to) {
    return counts("release", app, group, environment, from, to).stream()
        .map(c -> new ReleaseCount(c.key().isEmpty() ? null : c.key(), c.count()))
        .toList();
  }

  /** Events of a key's values (most first). */
  private record KeyCount(String key, long count) {}

  /**
   * The group's (and its merged members') events per value of {@code column} of {@code
   * error_counts_1m}, {@code environment} or {@code release} (a constant, never input).
   */
  private List<KeyCount> counts(
      String column, UUID app, UUID group, String environment, Instant from, Instant to) {
    return jdbc.sql(
            """
            SELECT %1$s, sum(count) AS n FROM error_counts_1m
            WHERE app_id = :app AND group_id IN (%2$s) AND bucket >= :from AND bucket < :to
              AND (CAST(:environment AS text) IS NULL OR environment = :environment)
            GROUP BY %1$s ORDER BY n DESC, %1$s
            """
                .formatted(column, ErrorGroups.FAMILY_IDS))
        .param("app", app)
        .param("group", group)
        .param("environment", environment)
        .param("from", Times.bind(from))
        .param("to", Times.bind(to))
        .query((rs, n) -> new KeyCount(rs.getString(1), rs.getLong(2)))
        .list();
  }

  /** The group's rows in the window merged one at a time (each at most 16 KiB). */
  private Users users(UUID group, String environment, Instant from, Instant to) {
    UserSketch merged = new UserSketch();
    jdbc.sql(
            """
            SELECT sketch FROM error_users_1h
            WHERE group_id IN (%s) AND hour >= :from AND hour < :to
              AND (CAST(:environment AS text) IS NULL OR environment = :environment)
            """
                .formatted(ErrorGroups.FAMILY_IDS))
        .param("group", group)
        .param("environment", environment)
        .param("from", Times.bind(from))
        .param("to", Times.bind(to))
        .query((RowCallbackHandler) rs -> merged.merge(rs.getBytes(1)));
    return new Users(merged.count(), merged.isExact() ? "exact" : "hll");
  }
}
