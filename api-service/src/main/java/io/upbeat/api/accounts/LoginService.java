package io.upbeat.api.accounts;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * Password logins, from the JSON endpoint and the browser form alike: throttled per e-mail and per
 * client address, checked before the password is, so a throttled guesser learns nothing.
 */
@Service
public class LoginService {
  private final AccountService accounts;
  private final LoginThrottle throttle;
  private final MeterRegistry meters;
  private final AuditLog audit;

  LoginService(
      AccountService accounts, LoginThrottle throttle, MeterRegistry meters, AuditLog audit) {
    this.audit = audit;
    this.accounts = accounts;
    this.throttle = throttle;
    this.meters = meters;
  }

  /**
   * The user whose e-mail and password these are.
   *
   * @throws ApiException {@code rate_limited} (with the wait) while throttled, {@code unauthorized}
   *     for a wrong e-mail or password
   */
  public CurrentUser authenticate(String rawEmail, String password, String clientAddress) {
    String email = Emails.normalize(rawEmail);
    // Counted before the password is checked, so parallel guesses cannot all pass (LoginThrottle).
    LoginThrottle.Attempt attempt = throttle.attempt(email, clientAddress);
    Optional<Duration> wait = attempt.retryAfter();
    if (wait.isPresent()) {
      count("throttled");
      throw new ApiException(
          ErrorCode.RATE_LIMITED,
          "Too many failed logins; try again later.",
          List.of(),
          wait.get());
    }
    Optional<CurrentUser> user = accounts.checkPassword(email, password);
    if (user.isEmpty()) {
      audit.signInFailed(email);
      count("failure");
      throw new ApiException(ErrorCode.UNAUTHORIZED, "The e-mail or password is wrong.");
    }
    throttle.succeeded(attempt);
    count("success");
    return user.get();
  }

  /** Authenticates, then issues a new API key. */
  String login(String email, String password, String clientAddress) {
    CurrentUser user = authenticate(email, password, clientAddress);
    return accounts.issueApiKey(user.id());
  }

  private void count(String outcome) {
    meters.counter("upbeat.accounts.logins", "outcome", outcome).increment();
  }
}
