package io.upbeat.api.accounts;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on failed logins, counted in a fixed window and shared by every api-service instance.
 *
 * @param window how long failures count, and how long a throttled e-mail or address waits
 * @param maxFailuresPerEmail failures for one e-mail after which its logins are refused
 * @param maxFailuresPerAddress failures from one client address after which its logins are refused
 */
@ConfigurationProperties("upbeat.accounts.login-throttle")
record LoginThrottleProperties(
    @DefaultValue("15m") Duration window,
    @DefaultValue("5") int maxFailuresPerEmail,
    @DefaultValue("20") int maxFailuresPerAddress) {

  LoginThrottleProperties {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("login throttle window must be positive: " + window);
    }
    if (maxFailuresPerEmail < 1 || maxFailuresPerAddress < 1) {
      throw new IllegalArgumentException(
          "login throttle limits must be at least 1: email=%d address=%d"
              .formatted(maxFailuresPerEmail, maxFailuresPerAddress));
    }
  }
}
