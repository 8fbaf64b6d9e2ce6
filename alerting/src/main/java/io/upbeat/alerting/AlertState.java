package io.upbeat.alerting;

import java.time.Duration;
import java.time.Instant;

/**
 * A rule's state machine: {@code ok -> firing} when its condition starts to hold, {@code firing ->
 * ok} (a "resolved" event) when it stops. A firing is notified unless an earlier firing was
 * notified less than {@code cooldown} before; a resolve is notified exactly when its firing was, so
 * people never get a resolve for an alert they were not sent.
 *
 * <p>Time is the evaluated minute's end, handed in with each step rather than read from a clock:
 * the live evaluator (whose clock decides which minutes are complete) and the 7-day preview replay
 * the same minutes to the same events.
 */
public final class AlertState {
  /** The persisted part of the machine. */
  public record Snapshot(
      boolean firing, Instant since, Instant lastNotifiedAt, boolean episodeNotified) {
    public static final Snapshot OK = new Snapshot(false, null, null, false);
  }

  /** A state change: {@code firing} or {@code resolved}, and whether it is notified. */
  public record Change(String state, Instant at, boolean notified) {}

  private final Duration cooldown;
  private Snapshot s;

  public AlertState(Snapshot start, int cooldownMinutes) {
    this.s = start;
    this.cooldown = Duration.ofMinutes(cooldownMinutes);
  }

  /**
   * Feeds one evaluation.
   *
   * @param at the end of the evaluated minute
   * @return the change it causes, or null when the state stays
   */
  public Change step(Instant at, boolean breached) {
    if (breached && !s.firing()) {
      boolean notify =
          s.lastNotifiedAt() == null || !at.isBefore(s.lastNotifiedAt().plus(cooldown));
      s = new Snapshot(true, at, notify ? at : s.lastNotifiedAt(), notify);
      return new Change("firing", at, notify);
    }
    if (!breached && s.firing()) {
      boolean notify = s.episodeNotified();
      s = new Snapshot(false, at, s.lastNotifiedAt(), false);
      return new Change("resolved", at, notify);
    }
    return null;
  }

  public Snapshot snapshot() {
    return s;
  }
}
