package io.upbeat.api.params;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A query's {@code [from, to)} in whole minutes, as the metrics API takes it: {@code to} (default
 * now) rounded up, {@code from} (default {@code to} minus the default length) rounded down, so a
 * window always covers whole minute rows and two endpoints asked for the same window read the same
 * rows.
 */
public record MinuteWindow(Instant from, Instant to) {
  /** The window's length in minutes (a rate's denominator). */
  public double minutes() {
    return Duration.between(from, to).toSeconds() / 60.0;
  }

  /**
   * The window of the {@code from} and {@code to} query parameters (either may be absent), or null
   * when one of them is not an RFC 3339 date-time; every problem is added to {@code problems}
   * (naming {@code from} or {@code to}), so the caller throws once for all parameters.
   *
   * @param max the longest window allowed (a problem naming {@code from} beyond it)
   */
  public static MinuteWindow parse(
      String from,
      String to,
      Problems problems,
      Instant now,
      Duration defaultLength,
      Duration max) {
    Instant end = to == null ? now : problems.timestamp("to", to);
    Instant start = from == null ? null : problems.timestamp("from", from);
    if (end == null || (from != null && start == null)) {
      return null;
    }
    Instant alignedTo = end.truncatedTo(ChronoUnit.MINUTES);
    if (alignedTo.isBefore(end)) {
      alignedTo = alignedTo.plus(Duration.ofMinutes(1));
    }
    Instant alignedFrom =
        start == null ? alignedTo.minus(defaultLength) : start.truncatedTo(ChronoUnit.MINUTES);
    if (!alignedFrom.isBefore(alignedTo)) {
      problems.add("from", "must be before to");
    } else if (Duration.between(alignedFrom, alignedTo).compareTo(max) > 0) {
      problems.add("from", "the window must be at most " + max.toDays() + " days");
    }
    return new MinuteWindow(alignedFrom, alignedTo);
  }
}
