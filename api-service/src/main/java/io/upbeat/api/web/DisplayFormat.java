package io.upbeat.api.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * How dashboard pages write numbers and times, for templates as {@code ${@fmt.ms(x)}}. Locale-free
 * (the page language is English), times in UTC. A missing value is an en dash.
 */
@Component("fmt")
public class DisplayFormat {
  static final String NONE = "–";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final Clock clock;

  DisplayFormat(Clock clock) {
    this.clock = clock;
  }

  /** A duration in milliseconds: about three significant digits, in ms, s or min. */
  public String ms(Double ms) {
    if (ms == null || ms.isNaN()) {
      return NONE;
    }
    double v = ms;
    if (v < 1_000) {
      return decimal(v) + " ms";
    }
    if (v < 60_000) {
      return decimal(v / 1_000) + " s";
    }
    return decimal(v / 60_000) + " min";
  }

  /** A count with thousands separators: {@code 12,345}. */
  public String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A per-minute rate: one decimal below 100, whole numbers above. */
  public String rate(double perMinute) {
    return perMinute < 100
        ? String.format(Locale.ROOT, "%.1f", perMinute)
        : String.format(Locale.ROOT, "%,.0f", perMinute);
  }

  /** A share as a percentage: {@code 0.4 %}, {@code 12 %}; two decimals below 1 %. */
  public String percent(double share) {
    double p = share * 100;
    if (p == 0) {
      return "0 %";
    }
    if (p < 1) {
      return String.format(Locale.ROOT, "%.2f %%", p);
    }
    return String.format(Locale.ROOT, p < 10 ? "%.1f %%" : "%.0f %%", p);
  }

  /** An instant for people: {@code 2026-11-26 10:15:30 UTC}. */
  public String time(Instant t) {
    return t == null ? NONE : TIME.format(t);
  }

  /**
   * How long ago, coarsely: {@code just now}, {@code 5 min ago}, {@code 3 h ago}, {@code 2 d ago}.
   */
  public String ago(Instant t) {
    if (t == null) {
      return NONE;
    }
    Duration d = Duration.between(t, clock.instant());
    if (d.compareTo(Duration.ofMinutes(1)) < 0) {
      return d.isNegative() ? "in the future" : "just now";
    }
    if (d.compareTo(Duration.ofHours(1)) < 0) {
      return d.toMinutes() + " min ago";
    }
    if (d.compareTo(Duration.ofDays(2)) < 0) {
      return d.toHours() + " h ago";
    }
    return d.toDays() + " d ago";
  }

  /** A commit sha as people quote it: the first 7 hex digits. */
  public String sha(String sha) {
    return sha == null ? NONE : sha.substring(0, Math.min(7, sha.length()));
  }

  /** Line ranges as stored ({@code [[40, 48], [60, 60]]}) for people: {@code 40–48, 60}. */
  public String lines(String rangesJson) {
    if (rangesJson == null) {
      return NONE;
    }
    List<String> out = new ArrayList<>();
    for (int i = rangesJson.indexOf('['); i >= 0; i = rangesJson.indexOf('[', i + 1)) {
      String range = range(rangesJson, i + 1);
      if (range != null) {
        out.add(range);
      }
    }
    return out.isEmpty() ? NONE : String.join(", ", out);
  }

  /**
   * The range {@code digits , digits ]} (spaces allowed around each) starting at {@code i}, written
   * for people, or null. One scan, ending at the next {@code ]} at the latest, so the whole text is
   * read in linear time.
   */
  private static String range(String s, int i) {
    int[] at = {i};
    String start = number(s, at);
    if (start == null || !expect(s, at, ',')) {
      return null;
    }
    String end = number(s, at);
    if (end == null || !expect(s, at, ']')) {
      return null;
    }
    return start.equals(end) ? start : start + "–" + end;
  }

  /** Skips spaces, then reads ASCII digits at {@code at[0]}; null if there are none. */
  private static String number(String s, int[] at) {
    int i = spaces(s, at[0]);
    int from = i;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    at[0] = i;
    return i > from ? s.substring(from, i) : null;
  }

  private static boolean expect(String s, int[] at, char c) {
    int i = spaces(s, at[0]);
    at[0] = i + 1;
    return i < s.length() && s.charAt(i) == c;
  }

  /** Past what {@code \s} matches. */
  private static int spaces(String s, int i) {
    while (i < s.length() && " \t\n\u000B\f\r".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return i;
  }

  private static String decimal(double v) {
    String pattern = v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f";
    return String.format(Locale.ROOT, pattern, v);
  }
}
