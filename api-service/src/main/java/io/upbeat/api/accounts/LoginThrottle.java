package io.upbeat.api.accounts;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Throttles password guessing: after too many failed logins for one e-mail, or from one client
 * address, within a window, further attempts are refused until the window ends, even with the right
 * password. Counts live in PostgreSQL so the limit holds across instances.
 */
@Component
class LoginThrottle {
  private final JdbcClient jdbc;
  private final LoginThrottleProperties properties;
  private final Clock clock;

  LoginThrottle(JdbcClient jdbc, LoginThrottleProperties properties, Clock clock) {
    this.jdbc = jdbc;
    this.properties = properties;
    this.clock = clock;
  }

  /** How long the caller must wait, or empty if this e-mail and address may try now. */
  Optional<Duration> retryAfter(String email, String address) {
    Instant now = clock.instant();
    Instant windowStart = now.minus(properties.window());
    List<Counter> counters =
        jdbc.sql(
                """
                SELECT key, window_start, failures FROM login_failures
                WHERE key IN (:email, :address) AND window_start > :since
                """)
            .param("email", emailKey(email))
            .param("address", addressKey(address))
            .param("since", Timestamp.from(windowStart))
            .query(
                (rs, n) ->
                    new Counter(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getInt(3)))
            .list();
    Duration wait = Duration.ZERO;
    for (Counter c : counters) {
      int limit =
          c.key().startsWith("email:")
              ? properties.maxFailuresPerEmail()
              : properties.maxFailuresPerAddress();
      if (c.failures() >= limit) {
        Duration left = Duration.between(now, c.windowStart().plus(properties.window()));
        wait = left.compareTo(wait) > 0 ? left : wait;
      }
    }
    return wait.isZero() ? Optional.empty() : Optional.of(wait);
  }

  void recordFailure(String email, String address) {
    Instant now = clock.instant();
    for (String key : List.of(emailKey(email), addressKey(address))) {
      jdbc.sql(
              """
              INSERT INTO login_failures (key, window_start, failures) VALUES (:key, :now, 1)
              ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN login_failures.window_start > :since
                                THEN login_failures.failures + 1 ELSE 1 END,
                window_start = CASE WHEN login_failures.window_start > :since
                                    THEN login_failures.window_start ELSE :now END
              """)
          .param("key", key)
          .param("now", Timestamp.from(now))
          .param("since", Timestamp.from(now.minus(properties.window())))
          .update();
    }
  }

  /** A successful login clears its e-mail's failures (not its address's). */
  void recordSuccess(String email) {
    jdbc.sql("DELETE FROM login_failures WHERE key = :key").param("key", emailKey(email)).update();
  }

  @Scheduled(fixedDelayString = "${upbeat.accounts.login-throttle.cleanup-interval:10m}")
  void forgetExpired() {
    jdbc.sql("DELETE FROM login_failures WHERE window_start <= :since")
        .param("since", Timestamp.from(clock.instant().minus(properties.window())))
        .update();
  }

  private static String emailKey(String email) {
    return "email:" + email;
  }

  private static String addressKey(String address) {
    return "addr:" + address;
  }

  private record Counter(String key, Instant windowStart, int failures) {}
}
