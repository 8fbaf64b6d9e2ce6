package io.upbeat.events;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Names of Upbeat's Kafka topics. Every name starts with an optional prefix, so that several
 * installations (or test classes) can share one cluster without sharing topics.
 *
 * @param prefix prepended to every topic name; letters, digits, {@code . _ -}, at most 100 chars
 */
public record Topics(String prefix) {
  private static final Pattern LEGAL = Pattern.compile("[A-Za-z0-9._-]{0,100}");

  /** Intake's validated events, keyed so that a busy app spreads over partitions. */
  public static final String EVENTS = "upbeat.events";

  /**
   * App-token hashes and revocations, compacted: the table intake authenticates from. It also
   * carries each app's own scrubbing keys, under {@code scrubbing:<app id>} keys ({@link
   * AppScrubbingCodec}).
   */
  public static final String APP_TOKENS = "upbeat.app-tokens";

  /**
   * Default partitions of the events topic ({@code upbeat.kafka.topics.events.partitions}): the
   * ceiling on processor instances.
   */
  public static final int EVENTS_PARTITIONS = 12;

  /** The largest events record: one 5 MiB request re-encoded, with room to spare. */
  public static final int EVENTS_MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * Settings of the events topic, for whichever service creates it first: records are kept 7 days,
   * the late-event window, so a processor can always catch up.
   */
  public static final Map<String, String> EVENTS_CONFIG =
      Map.of(
          "retention.ms", String.valueOf(7L * 24 * 3600 * 1000),
          "max.message.bytes", String.valueOf(EVENTS_MAX_RECORD_BYTES));

  /** Partitions of the app-token topic: small, read whole by every intake instance. */
  public static final int APP_TOKENS_PARTITIONS = 3;

  /**
   * Settings of the app-token topic, for whichever service creates it first: compacted, so it keeps
   * the latest record per token digest and a reader from the beginning gets exactly the live
   * tokens.
   */
  public static final Map<String, String> APP_TOKENS_CONFIG = Map.of("cleanup.policy", "compact");

  /** Records a processor could not decode, with the reason, so they never block a partition. */
  public static final String EVENTS_DEAD_LETTER = "upbeat.events.dlq";

  /** Default partitions of the dead-letter topic: few letters, read only by the replay tool. */
  public static final int EVENTS_DEAD_LETTER_PARTITIONS = 3;

  /**
   * Settings of the dead-letter topic: letters are kept 30 days for inspection and replay, and may
   * be as large as the events record they came from.
   */
  public static final Map<String, String> EVENTS_DEAD_LETTER_CONFIG =
      Map.of(
          "retention.ms", String.valueOf(30L * 24 * 3600 * 1000),
          "max.message.bytes", String.valueOf(EVENTS_MAX_RECORD_BYTES));

  public Topics {
    if (prefix == null) {
      prefix = "";
    }
    if (!LEGAL.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "topic prefix must be at most 100 of letters, digits, '.', '_', '-': " + prefix);
    }
  }

  public String events() {
    return prefix + EVENTS;
  }

  public String appTokens() {
    return prefix + APP_TOKENS;
  }

  public String eventsDeadLetter() {
    return prefix + EVENTS_DEAD_LETTER;
  }
}
