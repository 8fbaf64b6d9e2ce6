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
 *
 * <p>An attempt is counted <em>before</em> its password is checked, in one statement that both
 * counts it and returns the new counts ({@link #attempt}): so however many guesses arrive at once,
 * only the first {@code limit} of a window reach the password check, where a check-then-count
 * scheme would let every one of N parallel guesses through (each sees the count before the others
 * add to it). Once the password proves right, {@link #succeeded} takes the attempt back as a
 * failure: the e-mail's count is cleared (its owner has just shown the password, so earlier
 * failures were theirs), and the address's count loses only this one attempt, so that an attacker
 * who owns one account cannot clear their address's failures by signing in to it between guesses.
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

  /**
   * Counts an attempt for this e-mail and address, and says whether it may go on to the password
   * check. Attempts refused here still count (in the same window, which they do not extend).
   */
  Attempt attempt(String email, String address) {
    Instant now = clock.instant();
    // One statement for both keys, e-mail first: every attempt locks the rows in the same order
    // and only for the statement, so concurrent attempts never deadlock or wait on a bcrypt.
    List<Counter> counters =
        jdbc.sql(
                """
                INSERT INTO login_failures (key, window_start, failures)
                VALUES (:email, :now, 1), (:address, :now, 1)
                ON CONFLICT (key) DO UPDATE SET
                  failures = CASE WHEN login_failures.window_start > :since
                                  THEN login_failures.failures + 1 ELSE 1 END,
                  window_start = CASE WHEN login_failures.window_start > :since
                                      THEN login_failures.window_start ELSE :now END
                RETURNING key, window_start, failures
                """)
            .param("email", emailKey(email))
            .param("address", addressKey(address))
            .param("now", Timestamp.from(now))
            .param("since", Timestamp.from(now.minus(properties.window())))
            .query(
                (rs, n) ->
                    new Counter(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getInt(3)))
            .list();
    Duration wait = Duration.ZERO;
    Instant addressWindow = now;
    for (Counter c : counters) {
      boolean isEmail = c.key().startsWith("email:");
      if (!isEmail) {
        addressWindow = c.windowStart();
      }
      int limit = isEmail ? properties.maxFailuresPerEmail() : properties.maxFailuresPerAddress();
      if (c.failures() > limit) {
        Duration left = Duration.between(now, c.windowStart().plus(properties.window()));
        wait = left.compareTo(wait) > 0 ? left : wait;
      }
    }
    return new Attempt(
        email,
        address,
        addressWindow,
        wait.isZero()
            ? Optional.empty()
            : Optional.of(
                wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait));
  }

  /**
   * The attempt's password was right: clears the e-mail's count, and takes this one attempt off the
   * address's count (if its window is still the one the attempt was counted in).
   */
  void succeeded(Attempt attempt) {
    jdbc.sql("DELETE FROM login_failures WHERE key = :key")
        .param("key", emailKey(attempt.email()))
        .update();
    int decremented =
        jdbc.sql(
                """
                UPDATE login_failures SET failures = failures - 1
                WHERE key = :key AND window_start = :windowStart AND failures > 1
                """)
            .param("key", addressKey(attempt.address()))
            .param("windowStart", Timestamp.from(attempt.addressWindow()))
            .update();
    if (decremented == 0) {
      jdbc.sql(
              """
              DELETE FROM login_failures
              WHERE key = :key AND window_start = :windowStart AND failures = 1
              """)
          .param("key", addressKey(attempt.address()))
          .param("windowStart", Timestamp.from(attempt.addressWindow()))
          .update();
    }
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

  /**
   * One counted attempt.
   *
   * @param addressWindow the start of the address's window it was counted in
   * @param retryAfter how long the caller must wait, or empty if it may go on to the password check
   */
  record Attempt(
      String email, String address, Instant addressWindow, Optional<Duration> retryAfter) {}

  private record Counter(String key, Instant windowStart, int failures) {}
}
