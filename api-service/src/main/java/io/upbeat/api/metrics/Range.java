package io.upbeat.api.metrics;

import io.upbeat.api.params.MinuteWindow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;

/**
 * The dashboard's time ranges ({@code ?range=}): how far back a page looks, ending now, and the
 * width of its chart's points (between 60 and 720 of them).
 */
public enum Range {
  HOUR("1h", "1 h", Duration.ofHours(1), Interval.ONE_MINUTE),
  DAY("24h", "24 h", Duration.ofHours(24), Interval.FIVE_MINUTES),
  WEEK("7d", "7 d", Duration.ofDays(7), Interval.ONE_HOUR),
  MONTH("30d", "30 d", Duration.ofDays(30), Interval.ONE_HOUR);

  private final String param;
  private final String title;
  private final Duration length;
  private final Interval interval;

  Range(String param, String title, Duration length, Interval interval) {
    this.param = param;
    this.title = title;
    this.length = length;
    this.interval = interval;
  }

  /** The range a page was asked for; the last hour when absent or unknown (links never break). */
  public static Range parse(String param) {
    return Arrays.stream(values()).filter(r -> r.param.equals(param)).findFirst().orElse(HOUR);
  }

  /** The query parameter value. */
  public String param() {
    return param;
  }

  /** How the range selector shows it. */
  public String title() {
    return title;
  }

  /** The chart's point width, as the response-time API names it. */
  public String interval() {
    return interval.label;
  }

  /**
   * The window ending now: whole minutes, the end rounded up as the metrics API rounds it, so the
   * page's figures and the chart it draws from that API cover the same minutes.
   */
  public MinuteWindow window(Clock clock) {
    Instant now = clock.instant();
    Instant to = now.truncatedTo(ChronoUnit.MINUTES);
    if (to.isBefore(now)) {
      to = to.plus(1, ChronoUnit.MINUTES);
    }
    return new MinuteWindow(to.minus(length), to);
  }
}
