package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.KafkaNode;
import io.upbeat.localstack.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster drill (docs/operations.md, "Cluster drill"): the production topology on loopback,
 * every process its own JVM, under steady load while its parts fail one after another.
 *
 * <p>Three Kafka nodes (broker and KRaft controller each, a quorum of three; topics with
 * replication factor 3 and {@code min.insync.replicas=2}), two intake, three processor and two api
 * instances, PostgreSQL. The test is the load balancer and the agents ({@link DrillTraffic}): it
 * sends small batches of known transactions and errors round-robin to the intakes at a steady rate,
 * retrying a batch that got a 503 or no answer with the same {@code Idempotency-Key}, as agents do.
 * Meanwhile: a broker is killed with SIGKILL and brought back; a processor and an intake are killed
 * and restarted; the api instances are restarted one at a time; the processors are upgraded one at
 * a time (stopped, started with a changed setting). Marker batches measure the freshness (202 to
 * visible through the API) during each fault.
 *
 * <p>Afterwards every batch has been accepted, and the API counts every transaction and error of
 * them exactly once; no request got a 5xx other than intake's 503 (Kafka did not commit within its
 * budget: retried, and counted once); no instance's liveness probe failed while it was meant to be
 * up, and every instance is healthy at the end. The figures (events, kills, the maximum freshness
 * per phase, the answers per phase, instance and status) are printed and written to {@code
 * target/cluster-drill/summary.txt}, beside each process's log.
 */
class ITClusterDrill {
  private static final int BATCHES_PER_SECOND = 40;
  private static final int MAX_IN_FLIGHT = 400;
  private static final List<String> NAMES =
      List.of(
          "GET /drill/cart",
          "GET /drill/items",
          "POST /drill/order",
          "GET /drill/user",
          "GET /drill/search");
  private static final List<String> ERROR_TYPES = List.of("DrillTimeoutError", "DrillStateError");
  private static final int EVENTS_PER_BATCH = NAMES.size() + ERROR_TYPES.size();
  private static final int LIVENESS_FAILURE_THRESHOLD = 3;
  private static final String BROKER_PHASE = "broker kill -9";

  /** Generous: on a shared 2-core machine under load one service start took 256 s. */
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

  @TempDir Path data;
  private final Clock clock = Clock.systemUTC();
  private final List<DrillProcess> processes = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private PostgresServer postgres;
  private ExecutorService senders;
  private ScheduledExecutorService checker;

  @AfterEach
  void tearDown() {
    running.set(false);
    if (senders != null) {
      senders.shutdownNow();
    }
    if (checker != null) {
      checker.shutdownNow();
    }
    // Services first (they still talk to Kafka and PostgreSQL), then the brokers.
    processes.reversed().forEach(DrillProcess::destroy);
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void noAcceptedEventIsLostOrCountedTwiceWhileBrokersProcessorsIntakesAndApisFail()
      throws Exception {
    Instant began = clock.instant();
    Path logs = Repository.root().resolve("system-tests/target/cluster-drill");
    deleteLogs(logs);

    postgres = PostgresServer.start(data.resolve("pg"), data.resolve("pg-runtime"), false);
    postgres.ensureDatabase("upbeat", "upbeat", "upbeat");

    // Three Kafka nodes, started together: a broker is unfenced only once a quorum elected.
    List<Integer> brokerPorts = List.of(FreePorts.pick(), FreePorts.pick(), FreePorts.pick());
    List<Integer> controllerPorts = List.of(FreePorts.pick(), FreePorts.pick(), FreePorts.pick());
    String voters =
        IntStream.range(0, 3)
            .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i))
            .collect(Collectors.joining(","));
    String clusterId = Uuid.randomUuid().toString();
    List<DrillProcess> kafka = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      KafkaNode.Settings node =
          new KafkaNode.Settings(
              i + 1,
              data.resolve("kafka-" + (i + 1)),
              brokerPorts.get(i),
              controllerPorts.get(i),
              voters,
              clusterId);
      kafka.add(
          started(
              DrillProcess.main(
                  "kafka-" + (i + 1), KafkaNode.class, node.arguments(), KafkaNode.READY, logs)));
    }
    kafka.forEach(k -> k.awaitReady(START_TIMEOUT));
    String bootstrap =
        brokerPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));

    // Seven service instances, started together; the first intake and processor create the
    // topics, the others only check them (upbeat.kafka.create-topics=false).
    Map<String, String> common = new LinkedHashMap<>();
    common.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    common.put("UPBEAT_KAFKA_REPLICATION_FACTOR", "3");
    common.put("UPBEAT_KAFKA_MIN_INSYNC_REPLICAS", "2");
    common.put("UPBEAT_KAFKA_TOPICS_EVENTS_PARTITIONS", "6");
    common.put("SPRING_DATASOURCE_URL", postgres.jdbcUrl("upbeat"));
    common.put("SPRING_DATASOURCE_USERNAME", "upbeat");
    common.put("SPRING_DATASOURCE_PASSWORD", "upbeat");
    Path root = Repository.root();
    List<DrillTraffic.Target> apiTargets = new ArrayList<>();
    List<DrillProcess> apis = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      DrillTraffic.Target target = new DrillTraffic.Target("api-" + i, FreePorts.pick());
      Map<String, String> env = new LinkedHashMap<>(common);
      env.put("UPBEAT_KAFKA_CREATE_TOPICS", "false");
      env.put("MANAGEMENT_SERVER_PORT", String.valueOf(FreePorts.pick()));
      env.put("MANAGEMENT_SERVER_ADDRESS", "127.0.0.1");
      apis.add(started(service("api-service", target.name(), target.port(), env, logs)));
      apiTargets.add(target);
    }
    List<DrillTraffic.Target> intakeTargets = new ArrayList<>();
    List<DrillProcess> intakes = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      DrillTraffic.Target target = new DrillTraffic.Target("intake-" + i, FreePorts.pick());
      Map<String, String> env = new LinkedHashMap<>(common);
      env.put("UPBEAT_KAFKA_CREATE_TOPICS", String.valueOf(i == 1));
      env.put("UPBEAT_INTAKE_INSTANCE_ID", "drill-intake-" + i);
      env.put("MANAGEMENT_SERVER_PORT", String.valueOf(FreePorts.pick()));
      env.put("MANAGEMENT_SERVER_ADDRESS", "127.0.0.1");
      intakes.add(started(service("intake-service", target.name(), target.port(), env, logs)));
      intakeTargets.add(target);
    }
    List<DrillProcess> processors = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Map<String, String> env = new LinkedHashMap<>(common);
      env.put("UPBEAT_KAFKA_CREATE_TOPICS", String.valueOf(i == 1));
      processors.add(
          started(service("processor-service", "processor-" + i, FreePorts.pick(), env, logs)));
    }
    processes.stream().filter(p -> !kafka.contains(p)).forEach(p -> p.awaitReady(START_TIMEOUT));
    Duration startup = Duration.between(began, clock.instant());

    JsonApi.SignedUp account =
        new JsonApi("http://127.0.0.1:" + apiTargets.getFirst().port())
            .signUpWithApp("drill@example.com", "Drill", "shop");
    String appId = account.app().path("id").asText();
    String secret = account.app().path("secret_token").asText();
    // The new token reaches every intake through the token topic (within a second).
    for (DrillTraffic.Target intake : intakeTargets) {
      JsonApi direct = new JsonApi("http://127.0.0.1:" + intake.port());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> direct.sendEvents(secret, batch(0, List.of("GET /warmup"), List.of())) == 202);
    }

    DrillTraffic traffic =
        new DrillTraffic(intakeTargets, apiTargets, secret, account.apiKey(), clock);
    Map<DrillTraffic.Target, DrillProcess> byTarget = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      byTarget.put(intakeTargets.get(i), intakes.get(i));
      byTarget.put(apiTargets.get(i), apis.get(i));
    }
    List<DrillProcess> services = new ArrayList<>(apis);
    services.addAll(intakes);
    services.addAll(processors);
    Map<DrillProcess, Integer> missedLiveness = new ConcurrentHashMap<>();
    checker = Executors.newSingleThreadScheduledExecutor();
    checker.scheduleWithFixedDelay(
        () -> checkHealth(traffic, byTarget, services, missedLiveness),
        0,
        500,
        TimeUnit.MILLISECONDS);

    // Steady load, and marker batches that measure freshness, for the whole drill.
    AtomicLong sent = new AtomicLong();
    AtomicLong accepted = new AtomicLong();
    Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    senders = Executors.newVirtualThreadPerTaskExecutor();
    Thread load =
        Thread.ofPlatform().name("drill-load").start(() -> load(traffic, sent, accepted, inFlight));
    Map<String, Duration> freshness = new ConcurrentHashMap<>();
    List<String> markers = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread fresh =
        Thread.ofPlatform()
            .name("drill-freshness")
            .start(() -> measureFreshness(traffic, appId, markers, freshness));
    int kills = 0;
    int restarts = apis.size() + processors.size();
    try {
      traffic.phase("steady");
      pause(Duration.ofSeconds(8));

      traffic.phase(BROKER_PHASE);
      kafka.get(1).kill();
      kills++;
      pause(Duration.ofSeconds(8));
      kafka.get(1).start();
      kafka.get(1).awaitReady(START_TIMEOUT);
      awaitFullyReplicated(bootstrap);

      traffic.phase("processor and intake kill -9");
      processors.get(1).kill();
      intakes.get(0).kill();
      kills += 2;
      pause(Duration.ofSeconds(3));
      processors.get(1).start();
      intakes.get(0).start();
      processors.get(1).awaitReady(START_TIMEOUT);
      intakes.get(0).awaitReady(START_TIMEOUT);

      // The api roll and the processors' rolling upgrade at the same time (they are independent;
      // one after the other they would double the drill's longest part), one instance at a time.
      traffic.phase("api roll + processor upgrade");
      CompletableFuture<Void> apiRoll =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 2; i++) {
                  apiTargets.get(i).hold();
                  apis.get(i).stop();
                  apis.get(i).start();
                  apis.get(i).awaitReady(START_TIMEOUT);
                  apiTargets.get(i).release();
                }
              },
              senders);
      for (DrillProcess processor : processors) {
        processor.stop();
        // The "new version": a changed setting, as a configuration rollout is.
        processor.start(Map.of("UPBEAT_PROCESSOR_FLUSH_INTERVAL", "750ms"));
        processor.awaitReady(START_TIMEOUT);
      }
      apiRoll.get(START_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
    } catch (Exception | AssertionError e) {
      // What had happened by then, to explain the failure.
      System.out.printf(
          "Cluster drill failed in phase '%s'; freshness so far %s, unexpected %s, answers %s%n",
          traffic.phase(), freshness, traffic.unexpected(), traffic.answers());
      throw e;
    }

    traffic.phase("after");
    running.set(false);
    load.join(Duration.ofSeconds(5));
    assertThat(
            inFlight.tryAcquire(
                MAX_IN_FLIGHT, DrillTraffic.DELIVERY_DEADLINE.toSeconds() + 30, TimeUnit.SECONDS))
        .as("every batch answered")
        .isTrue();
    fresh.join(Duration.ofSeconds(150));

    // Exactly once: each name counted as often as batches were accepted, not once more.
    long batches = accepted.get();
    String transactions = "/api/v1/apps/" + appId + "/transactions?limit=10000";
    String errors = "/api/v1/apps/" + appId + "/errors";
    try {
      await("every accepted event counted")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  NAMES.stream()
                          .allMatch(n -> count(traffic.api(transactions), "name", n) >= batches)
                      && ERROR_TYPES.stream()
                          .allMatch(t -> count(traffic.api(errors), "type", t) >= batches));
    } catch (ConditionTimeoutException e) {
      // The exact comparisons below say what is missing.
    }
    checker.shutdown();
    assertThat(checker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    Map<String, Long> answers = traffic.answers();
    String summary =
        summary(
            batches,
            markers.size(),
            kills,
            restarts,
            freshness,
            answers,
            startup,
            Duration.between(began, clock.instant()));
    System.out.println(summary);
    Files.writeString(logs.resolve("summary.txt"), summary);

    assertThat(batches).as("batches accepted of %d sent", sent.get()).isEqualTo(sent.get());
    JsonNode txns = traffic.api(transactions);
    JsonNode errs = traffic.api(errors);
    for (String name : NAMES) {
      assertThat(count(txns, "name", name)).as("transactions %s", name).isEqualTo(batches);
    }
    for (String type : ERROR_TYPES) {
      assertThat(count(errs, "type", type)).as("errors %s", type).isEqualTo(batches);
    }
    for (String marker : List.copyOf(markers)) {
      assertThat(count(txns, "name", marker)).as("marker %s", marker).isEqualTo(1);
    }

    assertThat(traffic.unexpected()).as("unexpected answers and probes").isEmpty();
    // The only 5xx is intake's 503, which agents retry: Kafka did not commit within intake's 2 s
    // budget (the broker's election, and on a busy machine any moment ten JVMs compete for the
    // cores). No api or processor request, health probes included, got a 5xx; no intake any other.
    assertThat(answers.keySet().stream().filter(k -> k.matches(".* 5\\d\\d")))
        .as("5xx answers: only intake's 503")
        .allMatch(k -> k.matches(".* intake-\\d 503"));
    for (DrillProcess service : services) {
      assertThat(service.probe("/actuator/health")).as("%s health", service.name()).isEqualTo(200);
    }
  }

  private DrillProcess started(DrillProcess process) {
    processes.add(process);
    process.start();
    return process;
  }

  private static DrillProcess service(
      String module, String name, int port, Map<String, String> env, Path logs) {
    Path jar = Repository.root().resolve(module).resolve("target").resolve(module + ".jar");
    assertThat(jar).as("built with ./mvnw package").isRegularFile();
    return DrillProcess.service(name, jar, port, env, logs);
  }

  /**
   * The load: {@link #BATCHES_PER_SECOND} batches a second, each sent (and retried) on a virtual
   * thread, at most {@link #MAX_IN_FLIGHT} at once (then the load waits, as an agent's queue
   * would), until the drill ends.
   */
  private void load(
      DrillTraffic traffic, AtomicLong sent, AtomicLong accepted, Semaphore inFlight) {
    long period = TimeUnit.SECONDS.toNanos(1) / BATCHES_PER_SECOND;
    long next = System.nanoTime();
    try {
      while (running.get()) {
        inFlight.acquire();
        long id = sent.incrementAndGet();
        senders.execute(
            () -> {
              try {
                if (traffic.deliver(batch(id, NAMES, ERROR_TYPES), "load-" + id) != null) {
                  accepted.incrementAndGet();
                }
              } finally {
                inFlight.release();
              }
            });
        next += period;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One marker batch after another, each a transaction of its own name: the time from its 202 until
   * the API lists it is the freshness, kept as the maximum of the phase it was accepted in.
   */
  private void measureFreshness(
      DrillTraffic traffic, String appId, List<String> markers, Map<String, Duration> freshness) {
    String transactions = "/api/v1/apps/" + appId + "/transactions?limit=10000";
    int n = 0;
    while (running.get()) {
      String name = "GET /marker/" + (++n);
      Instant acceptedAt = traffic.deliver(batch(n, List.of(name), List.of()), "marker-" + n);
      if (acceptedAt == null) {
        continue; // recorded as unexpected by the traffic
      }
      String phase = traffic.phase();
      markers.add(name);
      try {
        await()
            .atMost(DrillTraffic.DELIVERY_DEADLINE)
            .pollInterval(Duration.ofMillis(250))
            .until(() -> count(traffic.api(transactions), "name", name) == 1);
      } catch (ConditionTimeoutException e) {
        traffic.unexpected(name + " not visible within " + DrillTraffic.DELIVERY_DEADLINE);
        return;
      }
      freshness.merge(phase, Duration.between(acceptedAt, clock.instant()), maxOf());
    }
  }

  private static java.util.function.BinaryOperator<Duration> maxOf() {
    return (a, b) -> a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * The load balancer's active health check (readiness puts an intake or api instance in rotation
   * or takes it out), and the drill's watch: an instance the drill means to be up must stay live.
   */
  private static void checkHealth(
      DrillTraffic traffic,
      Map<DrillTraffic.Target, DrillProcess> byTarget,
      List<DrillProcess> services,
      Map<DrillProcess, Integer> missed) {
    byTarget.forEach(
        (target, process) -> target.healthy(process.probe("/actuator/health/readiness") == 200));
    for (DrillProcess service : services) {
      if (!service.expectedUp()) {
        missed.remove(service);
        continue;
      }
      int liveness = service.probe("/actuator/health/liveness");
      // Read again after the probe: a kill or stop between the two is no failure.
      if (liveness == 200 || !service.expectedUp()) {
        missed.remove(service);
      } else if (liveness != -1) {
        traffic.unexpected(service.name() + " liveness answered " + liveness);
      } else if (missed.merge(service, 1, Integer::sum) == LIVENESS_FAILURE_THRESHOLD) {
        // No answer within the probe's 5 s, three times running: what makes Kubernetes restart
        // a pod (failureThreshold 3). One slow answer on a starved machine is not that.
        traffic.unexpected(service.name() + " liveness unanswered 3 times running");
      }
    }
  }

  /** Waits until every partition of every topic has all three replicas in sync again. */
  private static void awaitFullyReplicated(String bootstrap) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      await("every partition with 3 replicas in sync")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                var names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                Map<String, TopicDescription> topics =
                    admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                return topics.values().stream()
                    .flatMap(t -> t.partitions().stream())
                    .map(TopicPartitionInfo::isr)
                    .allMatch(isr -> isr.size() == 3);
              });
    }
  }

  /**
   * One transaction of each name and one error of each type, timestamped a second ago. The error
   * types differ and their stacks are alike, so each type is one error group.
   */
  private String batch(long id, List<String> names, List<String> errorTypes) {
    String at = clock.instant().minusSeconds(1).toString();
    StringBuilder json =
        new StringBuilder(
            "{\"service\": {\"name\": \"drill-shop\", \"environment\": \"production\"},"
                + " \"transactions\": [");
    for (int i = 0; i < names.size(); i++) {
      json.append(i == 0 ? "" : ", ")
          .append(
              """
              {"id": "%016x", "trace_id": "%032x", "name": "%s", "type": "request",
               "timestamp": "%s", "duration_ms": %d, "result": "HTTP 2xx", "outcome": "success"}"""
                  .formatted(id * 16 + i, id * 16 + i, names.get(i), at, 5 + i));
    }
    json.append("], \"errors\": [");
    for (int i = 0; i < errorTypes.size(); i++) {
      json.append(i == 0 ? "" : ", ")
          .append(
              """
              {"id": "%016x", "timestamp": "%s", "exception": {"type": "%s", "message": "drill",
               "stacktrace": [{"module": "com.shop.Drill", "function": "run",
                 "filename": "Drill.java", "lineno": %d, "in_app": true}]}}"""
                  .formatted(id * 16 + 8 + i, at, errorTypes.get(i), 10 + i));
    }
    return json.append("]}").toString();
  }

  private static long count(JsonNode list, String field, String value) {
    return JsonApi.item(list, i -> i.path(field).asText().equals(value)).path("count").asLong();
  }

  private static String summary(
      long batches,
      int markers,
      int kills,
      int restarts,
      Map<String, Duration> freshness,
      Map<String, Long> answers,
      Duration startup,
      Duration total) {
    StringBuilder s = new StringBuilder("Cluster drill summary\n");
    s.append(
        "  batches accepted: %d (%d events), markers: %d%n"
            .formatted(batches, batches * EVENTS_PER_BATCH, markers));
    s.append("  kill -9: %d, graceful restarts: %d%n".formatted(kills, restarts));
    s.append(
        "  startup: %d s, whole drill: %d s%n".formatted(startup.toSeconds(), total.toSeconds()));
    s.append("  max freshness (202 to visible in the API) per phase:\n");
    freshness.forEach(
        (phase, d) -> s.append("    %-28s %6.1f s%n".formatted(phase, d.toMillis() / 1000.0)));
    s.append("  answers (phase, instance, status):\n");
    answers.forEach((k, v) -> s.append("    %-50s %d%n".formatted(k, v)));
    return s.toString();
  }

  /** Steady load for {@code d}, nothing else happening. */
  private static void pause(Duration d) {
    await().pollDelay(d).atMost(d.plusSeconds(1)).until(() -> true);
  }

  private static void deleteLogs(Path logs) throws IOException {
    Files.createDirectories(logs);
    try (var files = Files.list(logs)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
  }
}
