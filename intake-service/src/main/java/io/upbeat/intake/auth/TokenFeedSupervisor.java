package io.upbeat.intake.auth;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link TokenFeed} on its own thread and starts a new one (with a new consumer, from the
 * topic's beginning) when it fails. A feed that died leaves the token table as it was: tokens
 * created or revoked since are unknown to this instance, so it must not take traffic. {@link
 * #state()} says so, for the readiness probe, until a new feed has caught up with the topic.
 */
public final class TokenFeedSupervisor {
  private static final Logger log = LoggerFactory.getLogger(TokenFeedSupervisor.class);

  /** What the readiness probe reports. */
  public enum Phase {
    /** Caught up with the topic and following it. */
    FOLLOWING,
    /** Reading the topic up to where it ended when the feed started. */
    LOADING,
    /** A feed failed and no new one has caught up yet (one starts after the restart delay). */
    FAILED
  }

  /**
   * @param failure the last failure, as its exception's text (null if none)
   * @param restarts feeds started again after a failure, since the start
   */
  public record State(Phase phase, String failure, long restarts) {}

  private final Supplier<TokenFeed> feeds;
  private final Duration restartDelay;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicLong restarts = new AtomicLong();
  private volatile TokenFeed current;
  private volatile String failure;
  private volatile Thread thread;

  /**
   * @param feeds makes a new feed, with its own consumer, each time one is needed
   * @param restartDelay how long to wait after a failure before starting a new feed
   */
  public TokenFeedSupervisor(Supplier<TokenFeed> feeds, Duration restartDelay) {
    if (restartDelay.isNegative()) {
      throw new IllegalArgumentException("restart delay must not be negative: " + restartDelay);
    }
    this.feeds = feeds;
    this.restartDelay = restartDelay;
  }

  public void start() {
    thread = Thread.ofPlatform().daemon().name("intake-token-feed").start(this::supervise);
  }

  private void supervise() {
    try {
      while (stopped.getCount() > 0) {
        try {
          TokenFeed feed = feeds.get();
          current = feed;
          if (stopped.getCount() == 0) {
            feed.stop(); // stop() raced with the creation: run() returns at once
          }
          feed.run();
          if (stopped.getCount() > 0) {
            throw new IllegalStateException("the app-token feed stopped on its own");
          }
        } catch (RuntimeException e) {
          failed(e);
          log.error("The app-token feed failed; not ready; restarting it in {}", restartDelay, e);
          awaitRestart();
          restarts.incrementAndGet();
        }
      }
    } catch (Error e) {
      // The JVM is in trouble (out of memory...): the thread stays dead, readiness DOWN.
      failed(e);
      log.error("The app-token feed thread died; not ready", e);
      throw e;
    }
  }

  private void failed(Throwable e) {
    current = null;
    failure = e.toString();
  }

  private void awaitRestart() {
    try {
      stopped.await(restartDelay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped.countDown();
    }
  }

  /**
   * Where the feed is, for the readiness probe: once a feed failed, {@link Phase#FAILED} until a
   * new one has caught up (while it loads, too).
   */
  public State state() {
    Thread t = thread;
    TokenFeed feed = current;
    if (t != null && t.isAlive() && feed != null && feed.caughtUp()) {
      return new State(Phase.FOLLOWING, failure, restarts.get());
    }
    return new State(failure == null ? Phase.LOADING : Phase.FAILED, failure, restarts.get());
  }

  public void stop() {
    stopped.countDown();
    TokenFeed feed = current;
    if (feed != null) {
      feed.stop();
    }
    Thread t = thread;
    if (t != null) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public boolean isRunning() {
    Thread t = thread;
    return t != null && t.isAlive();
  }
}
