package io.upbeat.events;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Takes secrets out of events before they leave intake (contract: "Scrubbing"), so that an {@code
 * Authorization} header, a {@code password} field or a card number never reaches Kafka, PostgreSQL
 * or a page. Two rules:
 *
 * <ul>
 *   <li><b>Keys.</b> In the {@code context} JSON, at any depth, the value of every property whose
 *       name contains one of {@link #DEFAULT_KEYS} or the app's own keys (case-insensitive
 *       substrings) becomes {@code "[Filtered]"}, whatever it was (a string, a number, an object of
 *       cookies, an array of header values); {@code null} stays {@code null}. In every string of
 *       the context, the query values of such keys become {@code [Filtered]} ({@code
 *       ?token=abc&page=2} to {@code ?token=[Filtered]&page=2}; names are percent-decoded before
 *       matching); a string under a key named {@code body}, {@code query}, {@code query_string} or
 *       {@code search} is read as a form/query string from its start.
 *   <li><b>Card numbers.</b> In every string of the batch (context values, exception messages,
 *       transaction, span and metric names, span destinations, culprits, fingerprints; not ids),
 *       every number of 13 to 19 digits that passes the Luhn check becomes {@code [Filtered]}.
 *       Digits may be grouped by single spaces or dashes as card numbers are printed: in fours, the
 *       last group shorter ({@code 4111 1111 1111 1111}, {@code 4111-1111-1111-1111}, {@code 6011
 *       0009 9013 9424 124}), or 4-6-5 and 4-6-4 (American Express, Diners Club); other groupings
 *       are not card numbers, so a UUID whose leading groups are all digits ({@code
 *       95169381-9621-4099-...}) is kept. The number must not touch a letter or another digit, so
 *       hexadecimal ids and longer digit strings are left alone. A grouped run may hold a card
 *       number among other groups ({@code ref 12 4111 1111 1111 1111}): whole groups are tried,
 *       leftmost first, longest first.
 * </ul>
 *
 * <p>Everything is linear in the input: keys go through an Aho-Corasick automaton, the JSON is
 * walked once without recursion, and the card scan Luhn-checks at most six windows per digit group,
 * each in constant time from prefix sums. A clean string comes back as the same instance and a
 * clean batch as the same record, so the common case allocates almost nothing. Immutable and
 * thread-safe.
 */
public final class Scrubber {
  /** What replaces a secret. */
  public static final String FILTERED = "[Filtered]";

  /** Key fragments always filtered (case-insensitive substrings of a key). */
  public static final List<String> DEFAULT_KEYS =
      List.of(
          "password",
          "passwd",
          "secret",
          "token",
          "api_key",
          "apikey",
          "authorization",
          "cookie",
          "set-cookie",
          "session",
          "csrf",
          "card",
          "ssn");

  /** The default rules, for apps without keys of their own. */
  public static final Scrubber DEFAULT = new Scrubber(List.of());

  private static final int MIN_DIGITS = 13;
  private static final int MAX_DIGITS = 19;
  private static final String FILTERED_JSON = "\"" + FILTERED + "\"";

  private final SensitiveKeys keys;
  private final List<String> extraKeys;

  /** The default keys plus {@code extraKeys} (matched the same way). */
  public Scrubber(Collection<String> extraKeys) {
    this.extraKeys = List.copyOf(extraKeys);
    List<String> all = new ArrayList<>(DEFAULT_KEYS);
    all.addAll(this.extraKeys);
    this.keys = new SensitiveKeys(all);
  }

  /** The app's own keys this scrubber adds to the defaults. */
  public List<String> extraKeys() {
    return extraKeys;
  }

  /** Whether the value of a property named {@code key} is filtered. */
  public boolean sensitiveKey(String key) {
    return keys.matches(key);
  }

  /** {@code s} with card numbers filtered (the rule for messages and names); null for null. */
  public String text(String s) {
    return s == null ? null : cards(s);
  }

  /**
   * {@code s} with card numbers and the query values of sensitive keys filtered (the rule for
   * context strings); null for null.
   */
  public String value(String s) {
    return s == null ? null : cards(query(s, queryStart(s)));
  }

  // ---------------------------------------------------------------------------------------------
  // Query strings

  /**
   * {@code s} with the values of sensitive names of the query string starting at {@code from}
   * filtered ({@code from} -1: there is no query); stops at {@code #}.
   */
  private String query(String s, int from) {
    if (from < 0 || s.indexOf('=', from) < 0) {
      return s;
    }
    int end = s.indexOf('#', from);
    if (end < 0) {
      end = s.length();
    }
    StringBuilder out = null;
    int copied = 0;
    int i = from;
    while (i < end) {
      int pairEnd = i;
      while (pairEnd < end && s.charAt(pairEnd) != '&' && s.charAt(pairEnd) != ';') {
        pairEnd++;
      }
      int eq = s.indexOf('=', i);
      if (eq >= 0 && eq < pairEnd) {
        boolean sensitive =
            hasEscape(s, i, eq) ? keys.matches(decode(s, i, eq)) : keys.matches(s, i, eq);
        if (sensitive && !FILTERED.contentEquals(s.subSequence(eq + 1, pairEnd))) {
          if (out == null) {
            out = new StringBuilder(s.length() + 16);
          }
          out.append(s, copied, eq + 1).append(FILTERED);
          copied = pairEnd;
        }
      }
      i = pairEnd + 1;
    }
    return out == null ? s : out.append(s, copied, s.length()).toString();
  }

  private static boolean hasEscape(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%' || c == '+') {
        return true;
      }
    }
    return false;
  }

  /**
   * Percent-decodes {@code s[from, to)} leniently: {@code +} is a space, {@code %XX} a byte (UTF-8
   * sequences decoded), anything malformed kept as it is.
   */
  static String decode(String s, int from, int to) {
    StringBuilder out = new StringBuilder(to - from);
    byte[] bytes = null;
    int nBytes = 0;
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      int hi = c == '%' ? hex(s, i + 1, to) : -1;
      if (hi >= 0) {
        if (bytes == null) {
          bytes = new byte[to - from];
        }
        bytes[nBytes++] = (byte) hi;
        i += 3;
        continue;
      }
      if (nBytes > 0) {
        out.append(new String(bytes, 0, nBytes, java.nio.charset.StandardCharsets.UTF_8));
        nBytes = 0;
      }
      out.append(c == '+' ? ' ' : c);
      i++;
    }
    if (nBytes > 0) {
      out.append(new String(bytes, 0, nBytes, java.nio.charset.StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  /** The byte {@code s[at, at + 2)} spells in hex, or -1 (also when it runs past {@code to}). */
  private static int hex(String s, int at, int to) {
    if (at + 2 > to) {
      return -1;
    }
    int a = Character.digit(s.charAt(at), 16);
    int b = Character.digit(s.charAt(at + 1), 16);
    return a < 0 || b < 0 ? -1 : a << 4 | b;
  }

  // ---------------------------------------------------------------------------------------------
  // Card numbers

  /** {@code s} with every Luhn-valid 13-19 digit number filtered; {@code s} itself if none. */
  private static String cards(String s) {
    int n = s.length();
    // Fast path: fewer than 13 digits in all cannot hold a card number.
    int digits = 0;
    for (int i = 0; i < n && digits < MIN_DIGITS; i++) {
      if (isDigit(s.charAt(i))) {
        digits++;
      }
    }
    if (digits < MIN_DIGITS) {
      return s;
    }
    return new CardScan(s).run();
  }

  /**
   * One pass over a string for card numbers. A run is digit groups joined by single spaces or
   * dashes; for each group, the windows of whole groups starting there that hold 13 to 19 digits in
   * a card's grouping ({@link #cardGrouping}) are Luhn-checked in O(1) each from prefix sums, so
   * the scan is linear however the run is made (a group starts at most six windows, each checked in
   * constant time).
   */
  private static final class CardScan {
    private final String s;
    private final int n;
    private StringBuilder out;
    private int copied;
    // The current run: group g is s[starts[g], ends[g]), preceded by first[g] digits of the run.
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private int[] first = new int[16];
    // Luhn prefix sums over the run's digits: sum of digit j (j < k), taken plain when j is even
    // and doubled (minus 9 above 9) when odd in plainEven, the other way round in plainOdd.
    private int[] plainEven = new int[32];
    private int[] plainOdd = new int[32];

    CardScan(String s) {
      this.s = s;
      this.n = s.length();
    }

    String run() {
      int i = 0;
      while (i < n) {
        if (!isDigit(s.charAt(i))) {
          i++;
          continue;
        }
        int j = collectRun(i);
        scanRun(i, j);
        i = j;
      }
      return out == null ? s : out.append(s, copied, n).toString();
    }

    /** Reads the run starting at {@code i} into the arrays; returns where it ends. */
    private int collectRun(int i) {
      int groups = 0;
      int total = 0;
      int j = i;
      while (true) {
        int start = j;
        while (j < n && isDigit(s.charAt(j))) {
          j++;
        }
        // A group of more than 19 digits is in no window: it counts as 20 digits that add
        // nothing, so a 100 KB digit string costs no more than a short one.
        int length = Math.min(j - start, MAX_DIGITS + 1);
        if (total + length >= plainEven.length) {
          int size = Math.max(plainEven.length * 2, total + length + 1);
          plainEven = java.util.Arrays.copyOf(plainEven, size);
          plainOdd = java.util.Arrays.copyOf(plainOdd, size);
        }
        for (int k = 0; k < length; k++) {
          int d = j - start > MAX_DIGITS ? 0 : s.charAt(start + k) - '0';
          int twice = d * 2 > 9 ? d * 2 - 9 : d * 2;
          plainEven[total + 1] = plainEven[total] + ((total & 1) == 0 ? d : twice);
          plainOdd[total + 1] = plainOdd[total] + ((total & 1) == 0 ? twice : d);
          total++;
        }
        if (groups + 1 >= first.length) {
          starts = java.util.Arrays.copyOf(starts, starts.length * 2);
          ends = java.util.Arrays.copyOf(ends, ends.length * 2);
          first = java.util.Arrays.copyOf(first, first.length * 2);
        }
        starts[groups] = start;
        ends[groups] = j;
        first[groups + 1] = total;
        groups++;
        if (j + 1 < n && (s.charAt(j) == ' ' || s.charAt(j) == '-') && isDigit(s.charAt(j + 1))) {
          j++;
          continue;
        }
        this.groups = groups;
        return j;
      }
    }

    /** Groups in the run collected last. */
    private int groups;

    /** Filters the card numbers of the run {@code s[i, j)} collected last. */
    private void scanRun(int i, int j) {
      if (first[groups] < MIN_DIGITS) {
        return;
      }
      boolean letterBefore = i > 0 && Character.isLetter(s.charAt(i - 1));
      boolean letterAfter = j < n && Character.isLetter(s.charAt(j));
      int g = 0;
      while (g < groups) {
        int match = -1;
        if (g > 0 || !letterBefore) {
          for (int e = g; e < groups; e++) {
            int count = first[e + 1] - first[g];
            if (count > MAX_DIGITS) {
              break;
            }
            if (count >= MIN_DIGITS
                && (e < groups - 1 || !letterAfter)
                && cardGrouping(g, e)
                && luhn(first[g], first[e + 1])) {
              match = e; // keep looking: the longest passing window wins
            }
            if (digits(e) != 4 && !(e == g + 1 && digits(g) == 4 && digits(e) == 6)) {
              break; // no longer window is grouped as a card number
            }
          }
        }
        if (match < 0) {
          g++;
          continue;
        }
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(s, copied, starts[g]).append(FILTERED);
        copied = ends[match];
        g = match + 1;
      }
    }

    /**
     * Whether groups {@code g} to {@code e} of the run are grouped as card numbers are printed: one
     * group; fours, the last group 1 to 4 digits ({@code 4111 1111 1111 1111}, {@code 4222 2222
     * 2222 2}, {@code 6011 0009 9013 9424 124}); or 4-6-5 and 4-6-4 (American Express, Diners
     * Club).
     */
    private boolean cardGrouping(int g, int e) {
      if (g == e) {
        return true;
      }
      if (e - g == 2 && digits(g) == 4 && digits(g + 1) == 6) {
        int last = digits(e);
        if (last == 4 || last == 5) {
          return true;
        }
      }
      for (int k = g; k < e; k++) {
        if (digits(k) != 4) {
          return false;
        }
      }
      return digits(e) <= 4;
    }

    /** The digits of group {@code k} (more than 19 count as 20). */
    private int digits(int k) {
      return first[k + 1] - first[k];
    }

    /** The Luhn check of the run's digits [a, b): the last digit plain, every other one doubled. */
    private boolean luhn(int a, int b) {
      int[] sums = ((b - 1) & 1) == 0 ? plainEven : plainOdd;
      return (sums[b] - sums[a]) % 10 == 0;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  // ---------------------------------------------------------------------------------------------
  // Context JSON

  /**
   * Compact JSON (as intake's receivers write a {@code context}) with both rules applied: values of
   * sensitive keys replaced, every string value scrubbed as {@link #value}. Returns {@code json}
   * itself when nothing changed, null for null. Walks the text once with an explicit stack, so deep
   * nesting cannot overflow; text that turns out not to be JSON is returned up to where it stops
   * making sense, unchanged from there.
   */
  public String json(String json) {
    if (json == null) {
      return null;
    }
    return new JsonWalk(json).run();
  }

  /** One pass over one JSON text. */
  private final class JsonWalk {
    private final String s;
    private final int n;
    private StringBuilder out;
    private int copied;
    private int i;

    /** Whether the text has no backslash at all: then no string has escapes. */
    private final boolean noEscapes;

    JsonWalk(String s) {
      this.s = s;
      this.n = s.length();
      this.noEscapes = s.indexOf('\\') < 0;
    }

    String run() {
      // A string followed by ':' is a property name; keySensitive and keyWhole describe the last
      // one read, for the value that follows.
      boolean keySensitive = false;
      boolean keyWhole = false;
      while (i < n) {
        char c = s.charAt(i);
        switch (c) {
          case '{', ',', '[', ']', '}', ' ', '\n', '\r', '\t' -> i++;
          case ':' -> {
            i++;
            skipSpace();
            if (keySensitive && i < n && !s.startsWith("null", i)) {
              int start = i;
              if (!skipValue()) {
                return finish();
              }
              replace(start, i, FILTERED_JSON);
              keyWhole = false;
            }
            keySensitive = false;
          }
          case '"' -> {
            int start = i;
            boolean escaped = skipString();
            if (i > n) {
              return finish();
            }
            int save = i;
            skipSpace();
            boolean isKey = i < n && s.charAt(i) == ':';
            i = save;
            if (isKey) {
              String name = escaped ? unescape(start + 1, i - 1) : null;
              keySensitive = name != null ? keys.matches(name) : keys.matches(s, start + 1, i - 1);
              keyWhole =
                  name != null
                      ? wholeQuery(name, 0, name.length())
                      : wholeQuery(s, start + 1, i - 1);
              continue;
            }
            scrubString(start, i, escaped, keyWhole);
            keyWhole = false;
          }
          default -> {
            // A number or literal: skip to the next structural character.
            while (i < n && ",]}".indexOf(s.charAt(i)) < 0) {
              i++;
            }
            keyWhole = false;
          }
        }
      }
      return finish();
    }

    private String finish() {
      return out == null ? s : out.append(s, copied, n).toString();
    }

    private void replace(int from, int to, String with) {
      if (out == null) {
        out = new StringBuilder(n + 16);
      }
      out.append(s, copied, from).append(with);
      copied = to;
    }

    private void skipSpace() {
      while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\t')) {
        i++;
      }
    }

    /**
     * From the opening quote at {@code i}, moves {@code i} past the closing one (beyond {@code n}
     * if there is none); whether the string had escapes.
     */
    private boolean skipString() {
      if (noEscapes) {
        // The common case: the closing quote is the next quote, found by a vectorised search.
        int close = s.indexOf('"', i + 1);
        i = close < 0 ? n + 1 : close + 1;
        return false;
      }
      boolean escaped = false;
      i++;
      while (i < n) {
        char c = s.charAt(i);
        if (c == '\\') {
          escaped = true;
          i += 2;
        } else if (c == '"') {
          i++;
          return escaped;
        } else {
          i++;
        }
      }
      i = n + 1;
      return escaped;
    }

    /** Moves {@code i} past one value (string, number, literal, object, array); false if cut. */
    private boolean skipValue() {
      if (s.charAt(i) == '"') {
        skipString();
        return i <= n;
      }
      int depth = 0;
      while (i < n) {
        char c = s.charAt(i);
        if (c == '"') {
          skipString();
          if (i > n) {
            return false;
          }
          if (depth == 0) {
            return true;
          }
          continue;
        }
        if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          if (depth == 0) {
            return true; // the end of the enclosing container: a scalar ended here
          }
          depth--;
          if (depth == 0) {
            i++;
            return true;
          }
        } else if (c == ',' && depth == 0) {
          return true;
        }
        i++;
      }
      return depth == 0;
    }

    /** Applies {@link #value} to the string token {@code s[start, end)} (quotes included). */
    private void scrubString(int start, int end, boolean escaped, boolean whole) {
      if (!escaped && !whole && !worthLooking(start + 1, end - 1)) {
        return;
      }
      String raw = escaped ? unescape(start + 1, end - 1) : s.substring(start + 1, end - 1);
      String scrubbed = cards(query(raw, whole ? (raw.startsWith("?") ? 1 : 0) : queryStart(raw)));
      if (scrubbed != raw) {
        replace(start, end, quote(scrubbed));
      }
    }

    /** Whether {@code s[from, to)} could hold a query value or a card number. */
    private boolean worthLooking(int from, int to) {
      int digits = 0;
      boolean question = false;
      for (int k = from; k < to; k++) {
        char c = s.charAt(k);
        if (c >= '0' && c <= '9') {
          if (++digits >= MIN_DIGITS) {
            return true;
          }
        } else if (c == '?') {
          question = true;
        } else if (c == '=' && question) {
          return true;
        }
      }
      return false;
    }

    /** The text of a JSON string's content {@code s[from, to)} with its escapes decoded. */
    private String unescape(int from, int to) {
      StringBuilder b = new StringBuilder(to - from);
      for (int k = from; k < to; k++) {
        char c = s.charAt(k);
        if (c != '\\' || k + 1 >= to) {
          b.append(c);
          continue;
        }
        char e = s.charAt(++k);
        switch (e) {
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'u' -> {
            int v = k + 5 <= to ? hex4(k + 1) : -1;
            if (v < 0) {
              b.append('\\').append('u');
            } else {
              b.append((char) v);
              k += 4;
            }
          }
          default -> b.append(e);
        }
      }
      return b.toString();
    }

    private int hex4(int at) {
      int v = 0;
      for (int k = at; k < at + 4; k++) {
        int d = Character.digit(s.charAt(k), 16);
        if (d < 0) {
          return -1;
        }
        v = v << 4 | d;
      }
      return v;
    }
  }

  /** Where the query of a URL starts (after its {@code ?}), or -1 without one. */
  private static int queryStart(String s) {
    int q = s.indexOf('?');
    return q < 0 ? -1 : q + 1;
  }

  /** Keys whose string value is a query or form body from its first character. */
  private static final List<String> WHOLE_QUERY_KEYS =
      List.of("body", "query", "query_string", "search");

  /** Whether {@code s[from, to)} is one of {@link #WHOLE_QUERY_KEYS}, ignoring case. */
  private static boolean wholeQuery(String s, int from, int to) {
    for (String k : WHOLE_QUERY_KEYS) {
      if (to - from == k.length() && s.regionMatches(true, from, k, 0, k.length())) {
        return true;
      }
    }
    return false;
  }

  /** {@code v} as a JSON string token, escaped as a JSON generator would. */
  static String quote(String v) {
    StringBuilder b = new StringBuilder(v.length() + 2).append('"');
    for (int k = 0; k < v.length(); k++) {
      char c = v.charAt(k);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Batches

  /**
   * {@code b} with both rules applied: the context of every transaction, sample and error through
   * {@link #json}; names, culprits, fingerprints and exception messages (causes included) through
   * {@link #text}. Ids, trace ids, types, frames and the service are left alone. Returns {@code b}
   * itself when nothing changed.
   */
  public EventBatch batch(EventBatch b) {
    List<TransactionEvent> transactions = CopyOnChange.map(b.transactions(), this::transaction);
    List<ErrorEvent> errors = CopyOnChange.map(b.errors(), this::error);
    List<TransactionEvent> samples = CopyOnChange.map(b.samples(), this::transaction);
    List<TransactionMetric> metrics = CopyOnChange.map(b.metrics(), this::metric);
    List<OrphanSpan> orphans = CopyOnChange.map(b.orphanSpans(), this::orphan);
    // As the spans' destinations, so a derived metric names the destination its spans name.
    List<DestinationMetric> destinations =
        CopyOnChange.map(b.destinationMetrics(), m -> m.withDestination(text(m.destination())));
    if (transactions == b.transactions()
        && errors == b.errors()
        && samples == b.samples()
        && metrics == b.metrics()
        && orphans == b.orphanSpans()
        && destinations == b.destinationMetrics()) {
      return b;
    }
    return new EventBatch(
        b.batchId(),
        b.appId(),
        b.receivedAt(),
        b.service(),
        transactions,
        errors,
        samples,
        metrics,
        orphans,
        destinations);
  }

  private TransactionEvent transaction(TransactionEvent e) {
    return e.withText(
        text(e.name()), CopyOnChange.map(e.spans(), this::span), json(e.contextJson()));
  }

  private Span span(Span s) {
    return s.withText(text(s.name()), text(s.destination()));
  }

  private ErrorEvent error(ErrorEvent e) {
    return e.withText(
        text(e.transactionName()),
        text(e.culprit()),
        exception(e.exception()),
        CopyOnChange.map(e.fingerprint(), this::text),
        json(e.contextJson()));
  }

  private ExceptionInfo exception(ExceptionInfo x) {
    if (x == null) {
      return null;
    }
    String message = text(x.message());
    ExceptionInfo cause = exception(x.cause());
    return message == x.message() && cause == x.cause()
        ? x
        : new ExceptionInfo(x.type(), message, x.stacktrace(), cause);
  }

  private TransactionMetric metric(TransactionMetric m) {
    String name = text(m.name());
    return name == m.name()
        ? m
        : new TransactionMetric(
            name,
            m.type(),
            m.minute(),
            m.count(),
            m.failures(),
            m.sumMs(),
            m.minMs(),
            m.maxMs(),
            m.sketch());
  }

  private OrphanSpan orphan(OrphanSpan o) {
    Span span = span(o.span());
    return span == o.span()
        ? o
        : new OrphanSpan(o.traceId(), o.transactionId(), o.startedAt(), span);
  }
}
