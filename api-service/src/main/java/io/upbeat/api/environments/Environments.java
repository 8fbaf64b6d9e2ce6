package io.upbeat.api.environments;

import io.upbeat.api.params.Times;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * An app's environments. None is declared anywhere: an environment exists once something of the app
 * was seen in it, so the list is the union of the environments of the stored response-time metrics
 * (every rollup level, whose retention differs), the releases and the stored error occurrences.
 */
@Repository
public class Environments {
  /** More would not fit a selector; apps have a handful. */
  static final int MAX = 1000;

  /**
   * One environment and when it was last seen: its newest stored error occurrence or release
   * deploy, or the start of its newest metrics bucket (a minute, hour or day).
   */
  public record Environment(String name, Instant lastSeen) {}

  private final JdbcClient jdbc;

  Environments(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The app's environments, most recently seen first. */
  public List<Environment> list(UUID app) {
    return jdbc.sql(
            """
            SELECT name, max(seen) AS last_seen FROM (
              SELECT environment AS name, max(bucket) AS seen FROM txn_metrics_1m
                WHERE app_id = :app GROUP BY environment
              UNION ALL
              SELECT environment, max(bucket) FROM txn_metrics_1h
                WHERE app_id = :app GROUP BY environment
              UNION ALL
              SELECT environment, max(bucket) FROM txn_metrics_1d
                WHERE app_id = :app GROUP BY environment
              UNION ALL
              SELECT environment, max(deployed_at) FROM releases
                WHERE app_id = :app GROUP BY environment
              UNION ALL
              SELECT o.environment, max(o.occurred_at)
                FROM error_groups g JOIN error_occurrences o ON o.group_id = g.id
                WHERE g.app_id = :app GROUP BY o.environment
            ) seen
            GROUP BY name ORDER BY last_seen DESC, name LIMIT :max
            """)
        .param("app", app)
        .param("max", MAX)
        .query((rs, n) -> new Environment(rs.getString("name"), Times.read(rs, "last_seen")))
        .list();
  }
}
