package io.upbeat.bench.freshness;

import io.upbeat.bench.Traffic;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.Topics;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * End-to-end freshness: how long after intake answered 202 an event can be seen in PostgreSQL,
 * under a steady load.
 *
 * <p>Starts {@code ./upbeat dev} on a fresh data directory (every service from its jar, Kafka and
 * PostgreSQL in the launcher), signs up, creates enough apps that none gets more than 15,000
 * events/s (intake's per-app limit is 20,000; {@code APPS} to choose), then sends {@code RATE}
 * events/s, spread round-robin over the apps, as 100-transaction requests (open loop, fixed
 * schedule) for {@code WARMUP} + {@code DURATION} seconds. Ten times a second a probe request
 * carries one transaction with a unique name and one error with a unique fingerprint. For each
 * probe answered 202 during the measured window the harness records when its transaction's row
 * appeared in {@code txn_metrics_1m} and when its group appeared in {@code error_groups} (polled
 * every 20 ms), and, as the baseline, when its record could be read from Kafka by a plain {@code
 * read_committed} consumer.
 */
public final class Freshness {
  private static final int PER_REQUEST = 100;
  private static final int PROBES_PER_SECOND = 10;

  /** Events/s offered to one app: three quarters of intake's default per-app limit. */
  private static final int APP_SHARE = 15_000;

  private static final Duration POLL = Duration.ofMillis(20);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final Traffic traffic = new Traffic(3, 200);

  /** Probe name -> when 202 arrived (nanoTime); visibility times by kind. */
  private final Map<String, Long> acked = new ConcurrentHashMap<>();

  /** Probe name -> milliseconds from sending it to its 202. */
  private final Map<String, Long> ackedAfter = new ConcurrentHashMap<>();

  private volatile long watchersStopped;

  private final Map<String, Long> inKafka = new ConcurrentHashMap<>();
  private final Map<String, Long> inMetrics = new ConcurrentHashMap<>();
  private final Map<String, Long> inErrors = new ConcurrentHashMap<>();
  private final AtomicLong accepted = new AtomicLong();
  // Transactions in requests answered 202, and in requests answered otherwise or not at all (a
  // request that timed out may still have been committed): the store must count at least the
  // first and at most both.
  private final AtomicLong acceptedTransactions = new AtomicLong();
  private final AtomicLong unsureTransactions = new AtomicLong();
  // Probe name -> what its request got instead of 202 (exception or status) and how long after it
  // was sent: the end tells whether Kafka has such a probe after all (a request that timed out at
  // the client may still have been committed), beside the probes answered 202 and never seen.
  private final Map<String, String> probesNotAccepted = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong failedSends = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);

  private Freshness() {}

  public static void main(String[] args) throws Exception {
    new Freshness().run();
  }

  private void run() throws Exception {
    int rate = Integer.getInteger("rate", 10_000);
    int warmup = Integer.getInteger("warmup", 20);
    int duration = Integer.getInteger("duration", 60);
    int apiPort = Integer.getInteger("apiPort", 8080);
    int intakePort = Integer.getInteger("intakePort", 8200);
    int processorPort = Integer.getInteger("processorPort", 8081);
    Path root = Path.of(System.getProperty("upbeat.root", ".")).toAbsolutePath().normalize();
    Path data = Files.createTempDirectory("upbeat-freshness");

    ProcessBuilder pb =
        new ProcessBuilder(
            root.resolve("upbeat").toString(),
            "dev",
            "--data-dir",
            data.toString(),
            "--api-port",
            String.valueOf(apiPort),
            "--intake-port",
            String.valueOf(intakePort),
            "--processor-port",
            String.valueOf(processorPort),
            "--api-management-port",
            String.valueOf(FreePorts.pick()),
            "--intake-management-port",
            String.valueOf(FreePorts.pick()));
    pb.directory(root.toFile());
    pb.environment().put("UPBEAT_SKIP_BUILD", "1");
    pb.environment()
        .putIfAbsent("UPBEAT_DEV_JAVA_OPTS", System.getProperty("serverJavaOpts", "-Xmx512m"));
    pb.redirectErrorStream(true);
    log("starting ./upbeat dev in " + data);
    Process dev = pb.start();
    try {
      Map<String, String> ready = awaitReady(dev);
      String api = "http://127.0.0.1:" + apiPort + "/api/v1";
      URI intake = URI.create("http://127.0.0.1:" + intakePort + "/v1/events");
      JsonNode signup =
          post(
              api + "/signup",
              null,
              "{\"email\":\"fresh-%d@example.com\",\"password\":\"fresh-bench-password-1\",\"org_name\":\"Freshness\"}"
                  .formatted(System.nanoTime()));
      String apiKey = signup.get("api_key").asString();
      String org = signup.get("org").get("id").asString();
      // Intake limits each app to 20,000 events/s: the load is spread over enough apps that none
      // is near its limit. The probes go to the first app, which the database watcher reads.
      int appCount = Integer.getInteger("apps", Math.max(1, (rate + APP_SHARE - 1) / APP_SHARE));
      List<String> tokens = new ArrayList<>();
      UUID appId = null;
      for (int i = 0; i < appCount; i++) {
        JsonNode app =
            post(api + "/orgs/" + org + "/apps", apiKey, "{\"name\":\"freshness-" + i + "\"}");
        if (appId == null) {
          appId = UUID.fromString(app.get("id").asString());
        }
        tokens.add(app.get("secret_token").asString());
      }
      for (String t : tokens) {
        awaitTokenAccepted(intake, t);
      }
      UUID probeApp = appId;
      log(appCount + " apps accepted by intake; loading " + rate + " events/s");

      Thread kafka =
          Thread.ofPlatform().name("kafka-watch").start(() -> watchKafka(ready.get("kafka")));
      Thread db =
          Thread.ofPlatform()
              .name("db-watch")
              .start(() -> watchDatabase(ready.get("postgres"), probeApp));
      load(intake, tokens, rate, warmup, duration);
      log("load done; waiting up to 30 s for the last probes");
      long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < waitUntil
          && (inMetrics.size() < acked.size() || inErrors.size() < acked.size())) {
        Thread.sleep(100);
      }
      running.set(false);
      watchersStopped = System.nanoTime();
      kafka.join(10_000);
      db.join(10_000);
      long counted = countedTransactions(ready.get("postgres"));
      report(rate, duration);
      probesNotAccepted.forEach(
          (probe, answer) ->
              log(
                  "%s was answered %s; in Kafka: %s"
                      .formatted(
                          probe,
                          answer,
                          inKafka.containsKey(probe) ? "yes, committed" : "not seen")));
      System.out.printf(
          Locale.ROOT,
          "Transactions: %,d in requests answered 202, %,d in requests answered otherwise or not"
              + " at all, %,d counted in txn_metrics_1m: %s%n",
          acceptedTransactions.get(),
          unsureTransactions.get(),
          counted,
          counted < acceptedTransactions.get()
              ? "LOST " + (acceptedTransactions.get() - counted) + " answered 202"
              : counted > acceptedTransactions.get() + unsureTransactions.get()
                  ? "COUNTED TWICE "
                      + (counted - acceptedTransactions.get() - unsureTransactions.get())
                  : "none lost, none counted twice");
    } finally {
      dev.destroy(); // SIGTERM: the launcher stops services, Kafka, then PostgreSQL
      if (!dev.waitFor(60, TimeUnit.SECONDS)) {
        dev.destroyForcibly();
      }
      deleteRecursively(data);
    }
  }

  /** Reads the launcher's output until READY; returns its postgres= and kafka= values. */
  private Map<String, String> awaitReady(Process dev) throws IOException {
    Map<String, String> found = new HashMap<>();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(dev.getInputStream(), StandardCharsets.UTF_8));
    Pattern kv = Pattern.compile("(postgres|kafka)=(\\S+)");
    long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
    String line;
    while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
      Matcher m = kv.matcher(line);
      while (m.find()) {
        found.put(m.group(1), m.group(2));
      }
      if (line.startsWith("READY ")) {
        log(line);
        // Keep draining the launcher's output so it never blocks on a full pipe.
        Thread.ofVirtual().start(() -> drain(out));
        return found;
      }
    }
    throw new IllegalStateException("./upbeat dev did not print READY");
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // discarded: the launcher's own log file keeps it
      }
    } catch (IOException e) {
      // the launcher stopped
    }
  }

  private JsonNode post(String url, String bearer, String body) throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      r.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(url + " answered " + response.statusCode());
    }
    return json.readTree(response.body());
  }

  private void awaitTokenAccepted(URI intake, String token) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      EventBatch b = traffic.batch(UUID.randomUUID(), Instant.now(), 1, 0);
      HttpResponse<String> r =
          http.send(
              request(intake, token, body(b.transactions(), "")),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 202) {
        acceptedTransactions.incrementAndGet();
        return;
      }
      unsureTransactions.incrementAndGet(); // a 401 until the token arrives: not written
      Thread.sleep(250);
    }
    throw new IllegalStateException("intake did not accept the new app's token within 60 s");
  }

  private static HttpRequest request(URI intake, String token, String body) {
    return HttpRequest.newBuilder(intake)
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /**
   * Open loop: requests leave on a fixed schedule whatever the answers' latency, bounded by a cap
   * on requests in flight (a stalled server makes the harness skip sends, counted, not queue).
   */
  private void load(URI intake, List<String> tokens, int rate, int warmup, int duration)
      throws InterruptedException {
    String token = tokens.getFirst();
    AtomicLong sent = new AtomicLong();
    int requestsPerSecond = Math.max(1, rate / PER_REQUEST);
    long periodNanos = 1_000_000_000L / requestsPerSecond;
    long probePeriod = 1_000_000_000L / PROBES_PER_SECOND;
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
    long end = measureFrom + TimeUnit.SECONDS.toNanos(duration);
    Semaphore inFlight = new Semaphore(256);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    AtomicLong probes = new AtomicLong();
    timer.scheduleAtFixedRate(
        () -> {
          EventBatch b = traffic.batch(UUID.randomUUID(), Instant.now(), PER_REQUEST, 0);
          String to = tokens.get((int) (sent.getAndIncrement() % tokens.size()));
          send(intake, to, body(b.transactions(), ""), PER_REQUEST, null, false, inFlight);
        },
        0,
        periodNanos,
        TimeUnit.NANOSECONDS);
    timer.scheduleAtFixedRate(
        () -> {
          long now = System.nanoTime();
          boolean measured = now >= measureFrom && now < end;
          String probe = probeName(probes.incrementAndGet(), UUID.randomUUID());
          TransactionEvent t =
              new TransactionEvent(
                  null,
                  null,
                  probe,
                  "probe",
                  Instant.now(),
                  5,
                  "HTTP 2xx",
                  "success",
                  List.of(),
                  null);
          String error =
              """
              ,"errors":[{"timestamp":"%s","exception":{"type":"bench.Probe","message":"%s"},\
              "fingerprint":["%s"]}]"""
                  .formatted(Instant.now(), probe, probe);
          send(intake, token, body(List.of(t), error), 1, probe, measured, inFlight);
        },
        0,
        probePeriod,
        TimeUnit.NANOSECONDS);
    while (System.nanoTime() < end) {
      Thread.sleep(200);
    }
    timer.shutdownNow();
    timer.awaitTermination(10, TimeUnit.SECONDS);
    // Every answer in before the wait for the probes starts: a probe answered 202 after that wait
    // had seen all the others would be counted as never seen although it was.
    if (!inFlight.tryAcquire(256, 30, TimeUnit.SECONDS)) {
      log("requests still unanswered 30 s after the load: " + (256 - inFlight.availablePermits()));
    }
  }

  private void send(
      URI intake,
      String token,
      String body,
      int transactions,
      String probe,
      boolean measured,
      Semaphore inFlight) {
    long sentAt = System.nanoTime();
    if (!inFlight.tryAcquire()) {
      failedSends.incrementAndGet();
      return;
    }
    http.sendAsync(request(intake, token, body), HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (r, e) -> {
              inFlight.release();
              if (e != null) {
                failedSends.incrementAndGet();
                unsureTransactions.addAndGet(transactions);
              } else if (r.statusCode() == 202) {
                accepted.incrementAndGet();
                acceptedTransactions.addAndGet(transactions);
                if (probe != null && measured) {
                  long now = System.nanoTime();
                  ackedAfter.put(probe, (now - sentAt) / 1_000_000);
                  acked.put(probe, now);
                }
              } else {
                refused.incrementAndGet();
                unsureTransactions.addAndGet(transactions);
              }
              if (probe != null && (e != null || r.statusCode() != 202)) {
                probesNotAccepted.put(
                    probe,
                    "%s after %d ms"
                        .formatted(
                            e != null ? e.toString() : "HTTP " + r.statusCode(),
                            (System.nanoTime() - sentAt) / 1_000_000));
              }
            });
  }

  /**
   * A probe's transaction name: its number, then a random UUID's hex with the digits spelled as
   * letters {@code g}-{@code p}, so no probe name can hold a card number whatever the rules of
   * intake's card filter ({@code Scrubber}). Until session 18 the filter took any dash-grouped run
   * of 13 to 19 Luhn-valid digits: a plain UUID after the number made one about once in 900 probes,
   * and that probe's name arrived as {@code probe-[Filtered]-...}, counted but never found under
   * the name it was sent with.
   */
  static String probeName(long number, UUID random) {
    StringBuilder name = new StringBuilder("probe-").append(number).append('-');
    for (char c : random.toString().toCharArray()) {
      if (c >= '0' && c <= '9') {
        name.append((char) ('g' + (c - '0')));
      } else if (c != '-') {
        name.append(c);
      }
    }
    return name.toString();
  }

  private static String body(List<TransactionEvent> txns, String errors) {
    StringBuilder b =
        new StringBuilder(
            "{\"service\":{\"name\":\"freshness-bench\",\"environment\":\"production\"},\"transactions\":[");
    for (int i = 0; i < txns.size(); i++) {
      TransactionEvent t = txns.get(i);
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"name\":\"")
          .append(t.name())
          .append("\",\"type\":\"")
          .append(t.type())
          .append("\",\"timestamp\":\"")
          .append(t.timestamp())
          .append("\",\"duration_ms\":")
          .append(String.format(Locale.ROOT, "%.3f", t.durationMs()))
          .append(",\"result\":\"")
          .append(t.result())
          .append("\",\"outcome\":\"")
          .append(t.outcome())
          .append("\"}");
    }
    return b.append(']').append(errors).append('}').toString();
  }

  /** The baseline: when each probe's record can be read from Kafka at all. */
  private void watchKafka(String bootstrap) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("group.id", "freshness-bench-" + UUID.randomUUID());
    config.put("auto.offset.reset", "latest");
    config.put("isolation.level", "read_committed");
    config.put("max.partition.fetch.bytes", Topics.EVENTS_MAX_RECORD_BYTES);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.EVENTS));
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          long now = System.nanoTime();
          EventBatch b =
              EventBatchCodec.decode(r.value(), EventBatchCodec.Parts.TRANSACTION_TIMINGS);
          for (TransactionEvent t : b.transactions()) {
            if (t.type().equals("probe")) {
              inKafka.putIfAbsent(t.name(), now);
            }
          }
        }
      }
    }
  }

  private void watchDatabase(String jdbcUrl, UUID app) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "upbeat", "upbeat");
        PreparedStatement metrics =
            c.prepareStatement(
                "SELECT txn_name FROM txn_metrics_1m WHERE app_id = ? AND txn_type = 'probe'"
                    + " AND txn_name = ANY (?)");
        PreparedStatement errors =
            c.prepareStatement(
                "SELECT message FROM error_groups WHERE app_id = ? AND message = ANY (?)")) {
      while (running.get()) {
        long now = System.nanoTime();
        poll(c, metrics, app, pending(inMetrics), inMetrics, now);
        poll(c, errors, app, pending(inErrors), inErrors, now);
        Thread.sleep(POLL);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String[] pending(Map<String, Long> seen) {
    return acked.keySet().stream().filter(p -> !seen.containsKey(p)).toArray(String[]::new);
  }

  private static void poll(
      Connection c,
      PreparedStatement ps,
      UUID app,
      String[] names,
      Map<String, Long> seen,
      long now)
      throws Exception {
    if (names.length == 0) {
      return;
    }
    Array array = c.createArrayOf("text", names);
    ps.setObject(1, app);
    ps.setArray(2, array);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        seen.putIfAbsent(rs.getString(1), now);
      }
    }
  }

  /**
   * Every transaction the store counted (the database is this run's own; the app-wide rows, name
   * '', count them a second time), once the count has not moved for 5 s (at most 60 s).
   */
  private static long countedTransactions(String jdbcUrl) throws Exception {
    long last = -1;
    long stableSince = System.nanoTime();
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    try (Connection c = DriverManager.getConnection(jdbcUrl, "upbeat", "upbeat");
        Statement s = c.createStatement()) {
      while (System.nanoTime() < until) {
        long now;
        try (ResultSet rs =
            s.executeQuery(
                "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name <> ''")) {
          rs.next();
          now = rs.getLong(1);
        }
        if (now != last) {
          last = now;
          stableSince = System.nanoTime();
        } else if (System.nanoTime() - stableSince > Duration.ofSeconds(5).toNanos()) {
          break;
        }
        Thread.sleep(500);
      }
    }
    return last;
  }

  private void report(int rate, int duration) {
    System.out.println();
    System.out.println("| Visible in | Probes | p50 ms | p90 ms | p99 ms | max ms |");
    System.out.println("|---|---|---|---|---|---|");
    row("Kafka, to a plain read_committed consumer (baseline)", inKafka);
    row("PostgreSQL, `txn_metrics_1m` (metrics pipeline)", inMetrics);
    row("PostgreSQL, `error_groups` (errors pipeline)", inErrors);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Load: %,d events/s offered for %d s measured (after warm-up); %,d requests accepted,"
            + " %,d refused, %,d not sent or failed; %d probes answered 202 in the window.%n",
        rate,
        duration,
        accepted.get(),
        refused.get(),
        failedSends.get(),
        acked.size());
  }

  private void row(String label, Map<String, Long> seen) {
    List<Double> ms = new ArrayList<>();
    int missing = 0;
    for (Map.Entry<String, Long> e : acked.entrySet()) {
      Long at = seen.get(e.getKey());
      if (at == null) {
        missing++;
        log(
            "%s: %s never seen (answered 202 %d ms after it was sent, %d ms before the watchers"
                    .formatted(
                        label,
                        e.getKey(),
                        ackedAfter.get(e.getKey()),
                        (watchersStopped - e.getValue()) / 1_000_000)
                + " stopped)");
      } else {
        ms.add(Math.max(0, (at - e.getValue()) / 1e6));
      }
    }
    double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    System.out.printf(
        Locale.ROOT,
        "| %s | %d%s | %.0f | %.0f | %.0f | %.0f |%n",
        label,
        sorted.length,
        missing > 0 ? " (" + missing + " never seen)" : "",
        rank(sorted, 0.5),
        rank(sorted, 0.9),
        rank(sorted, 0.99),
        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]);
  }

  /** Nearest rank, as the contract defines quantiles. */
  private static double rank(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.max(0, Math.ceil(q * sorted.length) - 1)];
  }

  private static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log("could not delete " + dir + ": " + e);
    }
  }

  private static void log(String message) {
    System.err.printf("[%s] %s%n", java.time.LocalTime.now().withNano(0), message);
  }
}
