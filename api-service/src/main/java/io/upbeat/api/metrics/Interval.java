package io.upbeat.api.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/** The chart's point width; points start at multiples of it since the epoch (UTC days). */
enum Interval {
  ONE_MINUTE("1m", Duration.ofMinutes(1)),
  FIVE_MINUTES("5m", Duration.ofMinutes(5)),
  ONE_HOUR("1h", Duration.ofHours(1)),
  ONE_DAY("1d", Duration.ofDays(1));

  final String label;
  final Duration width;

  Interval(String label, Duration width) {
    this.label = label;
    this.width = width;
  }

  static Optional<Interval> parse(String label) {
    return Arrays.stream(values()).filter(i -> i.label.equals(label)).findFirst();
  }

  /** The finest interval that draws the window in at most {@code maxPoints} points. */
  static Interval forWindow(Duration window, int maxPoints) {
    for (Interval i : values()) {
      if (window.dividedBy(i.width) <= maxPoints) {
        return i;
      }
    }
    return ONE_DAY;
  }

  Instant floor(Instant t) {
    long w = width.toSeconds();
    return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), w) * w);
  }

  Instant next(Instant pointStart) {
    return pointStart.plus(width);
  }

  int index(Instant first, Instant t) {
    return (int) Math.floorDiv(t.getEpochSecond() - first.getEpochSecond(), width.toSeconds());
  }
}
