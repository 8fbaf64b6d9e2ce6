package io.upbeat.api;

import io.upbeat.events.TokenDigest;
import io.upbeat.metrics.UserSketch;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Error rows as the errors pipeline writes them: a group, occurrences with their context, the
 * per-minute counts ({@code error_counts_1m}) and the per-hour user sketches ({@code
 * error_users_1h}). The time-partitioned tables get a default partition here, as in {@link
 * ITDeletion}, since no processor runs in these tests to create their daily ones.
 */
final class ErrorRows {
  static final String EXCEPTION =
      """
      {"type":"java.lang.IllegalStateException","message":"card declined","stacktrace":[\
      {"module":"com.shop.pay.Charge","function":"charge","filename":"Charge.java","lineno":42,"in_app":true}]}""";

  private final JdbcTemplate jdbc;

  ErrorRows(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
    for (String table : new String[] {"error_counts_1m", "error_users_1h"}) {
      jdbc.execute(
          "CREATE TABLE IF NOT EXISTS " + table + "_default PARTITION OF " + table + " DEFAULT");
    }
  }

  UUID group(String app, long count, Instant lastSeen) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
          first_seen, last_seen)
        VALUES (?, ?, ?, 'java.lang.IllegalStateException', 'card declined',
          'com.shop.pay.Charge.charge', ?, ?, ?)
        """,
        id,
        UUID.fromString(app),
        TokenDigest.sha256Hex(id.toString()),
        count,
        Timestamp.from(lastSeen.minusSeconds(86_400)),
        Timestamp.from(lastSeen));
    return id;
  }

  void occurrence(UUID group, Instant at, String environment, String release, String context) {
    jdbc.update(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, event_id, environment, release,
          transaction_name, message, exception, context)
        VALUES (?, ?, ?, ?, ?, 'POST /pay', 'card declined', ?::jsonb, ?::jsonb)
        """,
        group,
        Timestamp.from(at),
        UUID.randomUUID().toString(),
        environment,
        release,
        EXCEPTION,
        context);
  }

  /** One row of minute counts; {@code release} null for events that named none. */
  void minute(
      String app,
      UUID group,
      String environment,
      String release,
      Instant minute,
      int partition,
      long count) {
    jdbc.update(
        """
        INSERT INTO error_counts_1m (app_id, group_id, environment, release, bucket,
          source_partition, count)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        UUID.fromString(app),
        group,
        environment,
        release == null ? "" : release,
        Timestamp.from(minute),
        partition,
        count);
  }

  /** One partition's row of an hour's users, given by their keys ({@code id:42}). */
  void users(UUID group, String environment, Instant hour, int partition, UserSketch users) {
    jdbc.update(
        """
        INSERT INTO error_users_1h (group_id, environment, hour, source_partition, sketch)
        VALUES (?, ?, ?, ?, ?)
        """,
        group,
        environment,
        Timestamp.from(hour),
        partition,
        users.toBytes());
  }

  static UserSketch sketch(String... userKeys) {
    UserSketch s = new UserSketch();
    for (String k : userKeys) {
      s.add(k);
    }
    return s;
  }
}
