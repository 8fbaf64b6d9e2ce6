package io.upbeat.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cluster drill's own load balancer and client: it sends batches round-robin to the intake
 * instances and API calls round-robin to the api instances, and records every answer.
 *
 * <p>Like a load balancer, it routes only to instances in rotation: an instance leaves it when a
 * connection to it fails (a killed process), when its readiness probe fails, or when the drill
 * holds it out before stopping it, and comes back once its readiness probe passes again. Like an
 * agent, it retries a batch that got a 503 or no answer, with the same {@code Idempotency-Key}, on
 * the next instance, until it gets a 202; so every batch is eventually accepted, and counted once
 * however many attempts it took.
 *
 * <p>Every answer is counted per instance and status. Intake's 202 and 503 and the API's 200 are
 * expected; anything else (another 5xx above all) is {@linkplain #unexpected() recorded} for the
 * drill to fail on, as is a batch that could not be delivered within {@link #DELIVERY_DEADLINE}.
 */
final class DrillTraffic {
  /** How long a batch is retried before the drill counts it as refused (a failure). */
  static final Duration DELIVERY_DEADLINE = Duration.ofSeconds(120);

  private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

  /**
   * One instance as a load balancer sees it: in rotation while its readiness probe passes (the
   * drill's health checker reports it) and the drill does not hold it out.
   */
  static final class Target {
    private final String name;
    private final int port;
    private final URI base;
    private volatile boolean healthy = true;
    private volatile boolean held;

    Target(String name, int port) {
      this.name = name;
      this.port = port;
      this.base = URI.create("http://127.0.0.1:" + port);
    }

    String name() {
      return name;
    }

    int port() {
      return port;
    }

    /** Out of rotation until {@link #release}: the drill is about to stop it. */
    void hold() {
      held = true;
    }

    void release() {
      held = false;
    }

    /** The health checker's verdict (its readiness probe), or a failed connection's. */
    void healthy(boolean healthy) {
      this.healthy = healthy;
    }

    boolean inRotation() {
      return healthy && !held;
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final List<Target> intakes;
  private final List<Target> apis;
  private final String secretToken;
  private final String apiKey;
  private final Clock clock;
  private final AtomicInteger nextIntake = new AtomicInteger();
  private final AtomicInteger nextApi = new AtomicInteger();
  private final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
  private final List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile String phase = "start";

  DrillTraffic(
      List<Target> intakes, List<Target> apis, String secretToken, String apiKey, Clock clock) {
    this.intakes = List.copyOf(intakes);
    this.apis = List.copyOf(apis);
    this.secretToken = secretToken;
    this.apiKey = apiKey;
    this.clock = clock;
  }

  /** Names the drill's current phase, under which answers are counted from now on. */
  void phase(String phase) {
    this.phase = phase;
  }

  String phase() {
    return phase;
  }

  /**
   * Posts {@code json} to intake with {@code idempotencyKey} until one instance answers 202, and
   * returns when that answer came; {@code null} if the batch was refused or not delivered in time
   * (recorded as unexpected).
   */
  Instant deliver(String json, String idempotencyKey) {
    Instant deadline = clock.instant().plus(DELIVERY_DEADLINE);
    while (clock.instant().isBefore(deadline)) {
      Target target = next(intakes, nextIntake);
      if (target == null) {
        pause();
        continue;
      }
      HttpRequest request =
          HttpRequest.newBuilder(target.base.resolve("/v1/events"))
              .timeout(Duration.ofSeconds(15))
              .header("Authorization", "Bearer " + secretToken)
              .header("Content-Type", "application/json")
              .header("Idempotency-Key", idempotencyKey)
              .POST(HttpRequest.BodyPublishers.ofString(json))
              .build();
      int status = send(target, request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status == 202) {
        return clock.instant();
      }
      if (status != 503 && status != -1) {
        unexpected.add(target.name + " answered " + status + " to batch " + idempotencyKey);
        return null;
      }
      pause();
    }
    unexpected.add("batch " + idempotencyKey + " not accepted within " + DELIVERY_DEADLINE);
    return null;
  }

  /** GETs {@code path} from the API, on the next instance in rotation, until one answers 200. */
  JsonNode api(String path) {
    Instant deadline = clock.instant().plus(DELIVERY_DEADLINE);
    while (clock.instant().isBefore(deadline)) {
      Target target = next(apis, nextApi);
      if (target == null) {
        pause();
        continue;
      }
      HttpRequest request =
          HttpRequest.newBuilder(target.base.resolve(path))
              .timeout(Duration.ofSeconds(15))
              .header("Authorization", "Bearer " + apiKey)
              .header("Accept", "application/json")
              .GET()
              .build();
      Answer answer = send(target, request, HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() == 200) {
        return JsonApi.parse(answer.body());
      }
      if (answer.statusCode() != -1) {
        unexpected.add(target.name + " answered " + answer.statusCode() + " to GET " + path);
        throw new IllegalStateException(target.name + " answered " + answer.statusCode());
      }
      pause();
    }
    throw new IllegalStateException("no api instance answered GET " + path);
  }

  /** An HTTP status and body; status -1 when no answer came (refused, reset, timed out). */
  private record Answer(int statusCode, String body) {}

  private <T> Answer send(Target target, HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      HttpResponse<T> response = http.send(request, body);
      count(target, String.valueOf(response.statusCode()));
      return new Answer(
          response.statusCode(), response.body() instanceof String s ? s : String.valueOf(""));
    } catch (IOException e) {
      // What a load balancer's passive check does: a dead instance leaves the rotation at once.
      target.healthy(false);
      count(target, "no answer");
      return new Answer(-1, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void count(Target target, String outcome) {
    answers
        .computeIfAbsent(phase + " " + target.name + " " + outcome, k -> new LongAdder())
        .increment();
  }

  private static Target next(List<Target> targets, AtomicInteger next) {
    for (int i = 0; i < targets.size(); i++) {
      Target t = targets.get(Math.floorMod(next.getAndIncrement(), targets.size()));
      if (t.inRotation()) {
        return t;
      }
    }
    return null;
  }

  private static void pause() {
    try {
      Thread.sleep(RETRY_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Records something the drill must fail on, found outside a request (a health probe). */
  void unexpected(String what) {
    unexpected.add(phase + ": " + what);
  }

  List<String> unexpected() {
    synchronized (unexpected) {
      return List.copyOf(unexpected);
    }
  }

  /** "phase instance status" to how many answers, sorted. */
  Map<String, Long> answers() {
    Map<String, Long> sorted = new TreeMap<>();
    answers.forEach((k, v) -> sorted.put(k, v.sum()));
    return sorted;
  }
}
