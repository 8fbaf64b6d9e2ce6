package io.upbeat.alerting;

import io.upbeat.metrics.Statistic;
import java.util.Locale;
import java.util.UUID;

/**
 * What a rule watches. The minute conditions ({@link #minutely()}) are evaluated once per complete
 * minute on the stored minute data; {@link NewError} and {@link Regression} are decided by the
 * processor's triage as events arrive.
 */
public sealed interface Condition {
  /** The kind as in the API and the database. */
  String kind();

  /** Whether the evaluator runs it each minute. */
  default boolean minutely() {
    return true;
  }

  /** The minutes of data one evaluation reads: the minute evaluated and the ones before it. */
  default int span() {
    return 1;
  }

  /** The condition in words, for e-mails and the settings page. */
  String describe();

  /** A group seen for the first time. */
  record NewError() implements Condition {
    @Override
    public String kind() {
      return "new_error";
    }

    @Override
    public boolean minutely() {
      return false;
    }

    @Override
    public String describe() {
      return "a new error";
    }
  }

  /** A resolved group seen again in a newer release. */
  record Regression() implements Condition {
    @Override
    public String kind() {
      return "regression";
    }

    @Override
    public boolean minutely() {
      return false;
    }

    @Override
    public String describe() {
      return "a resolved error seen again";
    }
  }

  /**
   * More than {@code threshold} errors (of the app, or of one group) in the last {@code
   * windowMinutes} complete minutes.
   */
  record ErrorCount(double threshold, int windowMinutes, UUID groupId) implements Condition {
    @Override
    public String kind() {
      return "error_count";
    }

    @Override
    public int span() {
      return windowMinutes;
    }

    @Override
    public String describe() {
      return "more than "
          + number(threshold)
          + (groupId == null ? " errors" : " errors of group " + groupId)
          + " in "
          + minutes(windowMinutes);
    }
  }

  /**
   * The statistic of each of the last {@code forMinutes} minutes above {@code thresholdMs}: of one
   * transaction (by name, any type), or of the whole app when {@code transaction} is null.
   */
  record Latency(Statistic statistic, double thresholdMs, int forMinutes, String transaction)
      implements Condition {
    @Override
    public String kind() {
      return "latency";
    }

    @Override
    public int span() {
      return forMinutes;
    }

    @Override
    public String describe() {
      return statistic.code()
          + " of "
          + (transaction == null ? "all transactions" : transaction)
          + " above "
          + number(thresholdMs)
          + " ms for "
          + minutes(forMinutes);
    }
  }

  /**
   * Failed transactions over all transactions of the app, in percent, above {@code
   * thresholdPercent} in each of the last {@code forMinutes} minutes that had at least {@code
   * minRequests} transactions each.
   */
  record ErrorRate(double thresholdPercent, int forMinutes, long minRequests) implements Condition {
    @Override
    public String kind() {
      return "error_rate";
    }

    @Override
    public int span() {
      return forMinutes;
    }

    @Override
    public String describe() {
      return "error rate above "
          + number(thresholdPercent)
          + " % for "
          + minutes(forMinutes)
          + " (at least "
          + minRequests
          + " requests a minute)";
    }
  }

  /** Fewer than {@code rpm} transactions in each of the last {@code forMinutes} minutes. */
  record ThroughputBelow(double rpm, int forMinutes, String transaction) implements Condition {
    @Override
    public String kind() {
      return "throughput_below";
    }

    @Override
    public int span() {
      return forMinutes;
    }

    @Override
    public String describe() {
      return "fewer than "
          + number(rpm)
          + " "
          + (transaction == null ? "transactions" : transaction)
          + " a minute for "
          + minutes(forMinutes);
    }
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : String.format(Locale.ROOT, "%s", d);
  }

  private static String minutes(int n) {
    return n == 1 ? "1 minute" : n + " minutes";
  }
}
