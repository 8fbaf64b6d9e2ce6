package io.upbeat.agent;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the agent reports: where intake is, the app's secret token, and how this service describes
 * itself. Build one in code, or read it from the environment ({@link #fromEnvironment}).
 */
public final class UpbeatConfig {
  final URI serverUrl;
  final String secretToken;
  final String serviceName;
  final String environment;
  final String serviceVersion;
  final List<String> appPackages;
  final int queueCapacity;
  final int maxBatch;
  final Duration flushInterval;
  final Duration maxBackoff;
  final String host;
  final int samplesPerMinute;
  final Duration metricsInterval;
  final int maxMetricCells;
  final int maxDestinationCells;
  final long maxQueueBytes;
  final double tracesPerSecond;
  final double traceSampleRate;

  private UpbeatConfig(Builder b) {
    this.serverUrl = Objects.requireNonNull(b.serverUrl, "serverUrl");
    this.secretToken = Objects.requireNonNull(b.secretToken, "secretToken");
    this.serviceName = Objects.requireNonNull(b.serviceName, "serviceName");
    this.environment = b.environment;
    this.serviceVersion = b.serviceVersion;
    this.appPackages = List.copyOf(b.appPackages);
    this.queueCapacity = b.queueCapacity;
    this.maxBatch = b.maxBatch;
    this.flushInterval = b.flushInterval;
    this.maxBackoff = b.maxBackoff;
    this.host = b.host;
    this.samplesPerMinute = b.samplesPerMinute;
    this.metricsInterval = b.metricsInterval;
    this.maxMetricCells = b.maxMetricCells;
    this.maxDestinationCells = b.maxDestinationCells;
    this.maxQueueBytes = b.maxQueueBytes;
    this.tracesPerSecond = b.tracesPerSecond;
    this.traceSampleRate = b.traceSampleRate;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads {@code UPBEAT_SERVER_URL}, {@code UPBEAT_SECRET_TOKEN}, {@code UPBEAT_SERVICE_NAME}
   * (required), {@code UPBEAT_ENVIRONMENT}, {@code UPBEAT_SERVICE_VERSION} and {@code
   * UPBEAT_APP_PACKAGES} (comma-separated package prefixes whose frames are the application's),
   * {@code UPBEAT_SAMPLES_PER_MINUTE}, {@code UPBEAT_METRICS_INTERVAL} (seconds), {@code
   * UPBEAT_TRACES_PER_SECOND} and {@code UPBEAT_TRACE_SAMPLE_RATE}.
   *
   * @throws IllegalArgumentException naming the first missing or invalid variable
   */
  public static UpbeatConfig fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    b.serverUrl(required(env, "UPBEAT_SERVER_URL"));
    b.secretToken(required(env, "UPBEAT_SECRET_TOKEN"));
    b.serviceName(required(env, "UPBEAT_SERVICE_NAME"));
    b.environment(env.get("UPBEAT_ENVIRONMENT"));
    b.serviceVersion(env.get("UPBEAT_SERVICE_VERSION"));
    String packages = env.get("UPBEAT_APP_PACKAGES");
    if (packages != null) {
      for (String p : packages.split(",")) {
        if (!p.isBlank()) {
          b.appPackage(p.trim());
        }
      }
    }
    String samples = env.get("UPBEAT_SAMPLES_PER_MINUTE");
    if (samples != null && !samples.isBlank()) {
      b.samplesPerMinute(integer("UPBEAT_SAMPLES_PER_MINUTE", samples));
    }
    String interval = env.get("UPBEAT_METRICS_INTERVAL");
    if (interval != null && !interval.isBlank()) {
      b.metricsInterval(Duration.ofSeconds(integer("UPBEAT_METRICS_INTERVAL", interval)));
    }
    String traces = env.get("UPBEAT_TRACES_PER_SECOND");
    if (traces != null && !traces.isBlank()) {
      double perSecond = number("UPBEAT_TRACES_PER_SECOND", traces);
      named("UPBEAT_TRACES_PER_SECOND", () -> b.tracesPerSecond(perSecond));
    }
    String rate = env.get("UPBEAT_TRACE_SAMPLE_RATE");
    if (rate != null && !rate.isBlank()) {
      double probability = number("UPBEAT_TRACE_SAMPLE_RATE", rate);
      named("UPBEAT_TRACE_SAMPLE_RATE", () -> b.traceSampleRate(probability));
    }
    return b.build();
  }

  /** Runs a builder setter, naming the variable in what it refuses. */
  private static void named(String variable, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(variable + ": " + e.getMessage(), e);
    }
  }

  private static double number(String name, String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number: " + value);
    }
  }

  private static int integer(String name, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number: " + value);
    }
  }

  private static String required(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(name + " is not set");
    }
    return v.trim();
  }

  /**
   * Builds a configuration; {@code serverUrl}, {@code secretToken} and {@code serviceName} are
   * required.
   */
  public static final class Builder {
    private URI serverUrl;
    private String secretToken;
    private String serviceName;
    private String environment;
    private String serviceVersion;
    private final List<String> appPackages = new ArrayList<>();
    private int queueCapacity = 10_000;
    private int maxBatch = 1_000;
    private Duration flushInterval = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private String host = hostName();
    private int samplesPerMinute = 10;
    private Duration metricsInterval = Duration.ofSeconds(10);
    private int maxMetricCells = 10_000;
    private int maxDestinationCells = 1_000;
    private long maxQueueBytes = 16L * 1024 * 1024;
    private double tracesPerSecond = 10;
    private double traceSampleRate = 0;

    private Builder() {}

    /**
     * New traces sampled per second at most by this service's roots (default 10): a trace is
     * sampled (kept in full by every service it crosses, its {@code traceparent} flag set) when the
     * transaction that starts it finds a token in a bucket refilled at this rate, holding a
     * second's worth. A transaction that continues a caller's trace takes the caller's decision
     * instead. 0 leaves only {@link #traceSampleRate}.
     */
    public Builder tracesPerSecond(double perSecond) {
      if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException("traces per second must be a finite number >= 0");
      }
      this.tracesPerSecond = perSecond;
      return this;
    }

    /**
     * The probability that a new trace the {@link #tracesPerSecond} bucket did not take is sampled
     * anyway (default 0; 1 samples every trace).
     */
    public Builder traceSampleRate(double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException("trace sample rate must be between 0 and 1");
      }
      this.traceSampleRate = rate;
      return this;
    }

    /**
     * Transactions of each name sent in full (with spans and context) per minute, plus as many that
     * captured an error; every transaction is counted in the metrics either way. 0 sends none in
     * full.
     */
    public Builder samplesPerMinute(int samples) {
      if (samples < 0) {
        throw new IllegalArgumentException("samples per minute must not be negative");
      }
      this.samplesPerMinute = samples;
      return this;
    }

    /** How often the aggregated transaction metrics are sent (and so how fresh the charts are). */
    public Builder metricsInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("metrics interval must be positive");
      }
      this.metricsInterval = interval;
      return this;
    }

    /**
     * Distinct transaction names (per type and minute) aggregated at once at most; beyond, new
     * names are counted as {@code _other}.
     */
    public Builder maxMetricCells(int cells) {
      if (cells < 1) {
        throw new IllegalArgumentException("max metric cells must be positive");
      }
      this.maxMetricCells = cells;
      return this;
    }

    /**
     * Distinct destinations (per minute) whose exit calls are aggregated at once at most (default
     * 1,000, which with the current and the previous minute both live is about 500 destinations a
     * minute); beyond, calls to new destinations are counted under {@code _other}.
     */
    public Builder maxDestinationCells(int cells) {
      if (cells < 1) {
        throw new IllegalArgumentException("max destination cells must be positive: " + cells);
      }
      this.maxDestinationCells = cells;
      return this;
    }

    /**
     * The approximate memory the events waiting to be sent may take; beyond, new events are dropped
     * and counted (as when the queue is full).
     */
    public Builder maxQueueBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("max queue bytes must be positive");
      }
      this.maxQueueBytes = bytes;
      return this;
    }

    /** Intake's base URL, e.g. {@code http://127.0.0.1:8200}. */
    public Builder serverUrl(String url) {
      URI u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
      if (u.getScheme() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
        throw new IllegalArgumentException("UPBEAT_SERVER_URL must be an http(s) URL: " + url);
      }
      this.serverUrl = u;
      return this;
    }

    public Builder secretToken(String token) {
      this.secretToken = token;
      return this;
    }

    /** 1-100 letters, digits, spaces, {@code _ . -}, as intake requires. */
    public Builder serviceName(String name) {
      if (!validServiceName(name)) {
        throw new IllegalArgumentException(
            "UPBEAT_SERVICE_NAME must be 1-100 letters, digits, spaces, _ . -: " + name);
      }
      this.serviceName = name;
      return this;
    }

    /** One scan, no regular expression: {@code [A-Za-z0-9 _.\-]{1,100}}. */
    private static boolean validServiceName(String name) {
      if (name == null || name.isEmpty() || name.length() > 100) {
        return false;
      }
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        boolean ok =
            (c >= 'A' && c <= 'Z')
                || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9')
                || c == ' '
                || c == '_'
                || c == '.'
                || c == '-';
        if (!ok) {
          return false;
        }
      }
      return true;
    }

    public Builder environment(String environment) {
      this.environment = environment == null || environment.isBlank() ? null : environment;
      return this;
    }

    /** The release the running code belongs to: links errors to CI's release and its commits. */
    public Builder serviceVersion(String version) {
      this.serviceVersion = version == null || version.isBlank() ? null : version;
      return this;
    }

    /** A package prefix (e.g. {@code com.shop}) whose classes are the application's own code. */
    public Builder appPackage(String prefix) {
      appPackages.add(prefix.endsWith(".") ? prefix : prefix + ".");
      return this;
    }

    /** Events waiting to be sent at most; beyond, new events are dropped and counted. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("queue capacity must be positive");
      }
      this.queueCapacity = capacity;
      return this;
    }

    /** Events per request at most (intake accepts 10,000). */
    public Builder maxBatch(int max) {
      if (max < 1 || max > 10_000) {
        throw new IllegalArgumentException("max batch must be 1 to 10000");
      }
      this.maxBatch = max;
      return this;
    }

    /** How long an event may wait for its batch to fill. */
    public Builder flushInterval(Duration interval) {
      this.flushInterval = interval;
      return this;
    }

    /** The longest wait between retries. */
    public Builder maxBackoff(Duration backoff) {
      this.maxBackoff = backoff;
      return this;
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public UpbeatConfig build() {
      return new UpbeatConfig(this);
    }

    private static String hostName() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (Exception e) {
        return null;
      }
    }
  }
}
