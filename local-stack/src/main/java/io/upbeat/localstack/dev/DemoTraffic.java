package io.upbeat.localstack.dev;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * A gentle, mixed load on the example app: one request every {@link #PERIOD} from one thread, so
 * never more than four a second however slow the app is. Most requests succeed; a few fail the way
 * the shop's bugs make them fail:
 *
 * <ul>
 *   <li>{@code /users/{id}} for an unknown user: a 500 ({@code EmptyResultDataAccessException});
 *   <li>{@code /users/{id}/discount} for a user without orders: a 500 ({@code
 *       ArithmeticException});
 *   <li>{@code /users/0/discount}: a 400, a client error that is not the app's fault.
 * </ul>
 */
final class DemoTraffic implements AutoCloseable {
  static final Duration PERIOD = Duration.ofMillis(250);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final int USERS = 1000;

  private final String baseUrl;
  private final RandomGenerator random;
  private final HttpClient http;
  private final ScheduledExecutorService executor;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  DemoTraffic(String baseUrl, RandomGenerator random) {
    this.baseUrl = baseUrl;
    this.random = random;
    this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("upbeat-demo-traffic").unstarted(r));
  }

  /** Starts sending; {@link #close()} stops. */
  void start() {
    executor.scheduleAtFixedRate(this::sendOne, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The next request's path: 42% a user, 30% their orders, 21% a discount that works, 3% a discount
   * that divides by zero, 2% an unknown user, 2% a bad request.
   */
  static String nextPath(RandomGenerator random) {
    int roll = random.nextInt(100);
    int user = random.nextInt(1, USERS + 1);
    if (roll < 42) {
      return "/users/" + user;
    } else if (roll < 72) {
      return "/users/" + user + "/orders";
    } else if (roll < 93) {
      return "/users/" + user + "/discount";
    } else if (roll < 96) {
      return "/users/" + (USERS + user) + "/discount";
    } else if (roll < 98) {
      return "/users/" + (USERS + user);
    }
    return "/users/0/discount";
  }

  long sent() {
    return sent.get();
  }

  long failed() {
    return failed.get();
  }

  private void sendOne() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + nextPath(random)))
            .timeout(REQUEST_TIMEOUT)
            .build();
    try {
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      sent.incrementAndGet();
      if (status >= 500) {
        failed.incrementAndGet();
      }
    } catch (IOException e) {
      // The app is starting or stopping; the next tick tries again.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.close();
  }
}
