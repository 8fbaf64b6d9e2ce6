package io.upbeat.metrics;

/**
 * A response-time statistic of merged stats, as the metrics API reports it and as alert rules
 * compare it: the exact mean, or a nearest-rank quantile of the merged sketch (within its relative
 * accuracy). One definition, so an alert fires on the very number a chart shows.
 */
public enum Statistic {
  AVG("avg", Double.NaN),
  P50("p50", 0.5),
  P95("p95", 0.95),
  P99("p99", 0.99);

  private final String code;
  private final double quantile;

  Statistic(String code, double quantile) {
    this.code = code;
    this.quantile = quantile;
  }

  /** The name in the API ({@code avg}, {@code p95}, ...). */
  public String code() {
    return code;
  }

  /** The statistic named {@code code}, or null when there is none of that name. */
  public static Statistic of(String code) {
    for (Statistic s : values()) {
      if (s.code.equals(code)) {
        return s;
      }
    }
    return null;
  }

  /** The statistic of {@code stats} in milliseconds; null when they hold no transaction. */
  public Double of(DurationStats stats) {
    if (stats.count() == 0) {
      return null;
    }
    return this == AVG ? stats.sum() / stats.count() : stats.sketch().quantile(quantile);
  }
}
