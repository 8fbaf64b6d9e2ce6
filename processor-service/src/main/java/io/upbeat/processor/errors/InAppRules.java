package io.upbeat.processor.errors;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.upbeat.assignment.InAppRule;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Decides {@code in_app} for frames whose agent left it out (OpenTelemetry's), before grouping and
 * triage see them: by the app's application packages when it set some, else by {@link
 * InAppRule#defaults()}. Each app's rule is cached for {@link #TTL}, so a change made through the
 * API applies within a minute; it is loaded in the errors pipeline's flush transaction, never on
 * the consuming thread, so a database outage only delays it like any flush.
 */
public final class InAppRules {
  static final Duration TTL = Duration.ofMinutes(1);

  private final Cache<UUID, InAppRule> rules;

  public InAppRules() {
    this(TTL);
  }

  InAppRules(Duration ttl) {
    rules = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(100_000).build();
  }

  /** The app's rule if it is cached, else null (then {@link #load} in a flush). */
  InAppRule cached(UUID app) {
    return rules.getIfPresent(app);
  }

  InAppRule load(Connection c, UUID app) throws SQLException {
    InAppRule cached = rules.getIfPresent(app);
    if (cached != null) {
      return cached;
    }
    List<String> packages = null;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT application_packages FROM apps WHERE id = ?")) {
      ps.setObject(1, app);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          Array a = rs.getArray(1);
          packages = a == null ? null : List.of((String[]) a.getArray());
        }
      }
    }
    InAppRule rule;
    try {
      rule = InAppRule.forApp(packages);
    } catch (IllegalArgumentException e) {
      rule = InAppRule.defaults(); // the API validates; a bad row must not stop the pipeline
    }
    rules.put(app, rule);
    return rule;
  }

  /** Whether any frame of the error (or its causes) lacks {@code in_app}. */
  static boolean needed(ErrorEvent e) {
    for (ExceptionInfo x = e.exception(); x != null; x = x.cause()) {
      for (StackFrame f : x.stacktrace()) {
        if (f.inApp() == null) {
          return true;
        }
      }
    }
    return false;
  }

  /** The error with every missing {@code in_app} decided by {@code rule}; others kept as sent. */
  static ErrorEvent apply(ErrorEvent e, InAppRule rule) {
    return e.withText(
        e.transactionName(),
        e.culprit(),
        apply(e.exception(), rule, 0),
        e.fingerprint(),
        e.contextJson());
  }

  private static ExceptionInfo apply(ExceptionInfo x, InAppRule rule, int depth) {
    if (x == null || depth > 64) {
      return null;
    }
    List<StackFrame> frames = new ArrayList<>(x.stacktrace().size());
    for (StackFrame f : x.stacktrace()) {
      frames.add(
          f.inApp() != null
              ? f
              : new StackFrame(
                  f.module(),
                  f.function(),
                  f.filename(),
                  f.path(),
                  f.lineno(),
                  rule.inApp(f.module())));
    }
    return new ExceptionInfo(x.type(), x.message(), frames, apply(x.cause(), rule, depth + 1));
  }
}
