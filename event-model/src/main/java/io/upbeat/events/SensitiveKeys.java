package io.upbeat.events;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of key fragments matched as case-insensitive substrings of a key ({@code "X-Auth-Token"}
 * contains {@code token}), with an Aho-Corasick automaton: one pass over the key whatever the
 * number of fragments, so a 100 KB key against 113 fragments costs 100 K steps, not 100 K x 113 x
 * 100. ASCII characters go through a complete transition table; other characters follow the failure
 * links (amortised linear as well). Immutable and thread-safe.
 */
final class SensitiveKeys {
  private static final int ASCII = 128;

  /** Per state, the next state for each ASCII character (already folded to lower case). */
  private final int[][] ascii;

  /** Per state, the goto edges on non-ASCII characters (before failure links). */
  private final List<Map<Character, Integer>> wide;

  /**
   * {@link #ascii} flattened, {@code state * 128 + c}, with accepting states marked by a negative
   * entry ({@code ~next}), so the hot loop does one load per character.
   */
  private final int[] flat;

  private final int[] fail;
  private final boolean[] accepting;
  private final boolean empty;

  SensitiveKeys(List<String> fragments) {
    List<Map<Character, Integer>> edges = new ArrayList<>();
    List<Boolean> terminal = new ArrayList<>();
    edges.add(new HashMap<>());
    terminal.add(false);
    boolean any = false;
    for (String f : fragments) {
      if (f.isEmpty()) {
        continue;
      }
      any = true;
      int state = 0;
      for (int i = 0; i < f.length(); i++) {
        char c = Character.toLowerCase(f.charAt(i));
        Integer next = edges.get(state).get(c);
        if (next == null) {
          next = edges.size();
          edges.add(new HashMap<>());
          terminal.add(false);
          edges.get(state).put(c, next);
        }
        state = next;
      }
      terminal.set(state, true);
    }
    int n = edges.size();
    empty = !any;
    fail = new int[n];
    accepting = new boolean[n];
    ascii = new int[n][];
    wide = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      accepting[s] = terminal.get(s);
      wide.add(new HashMap<>());
    }
    // Breadth-first: each state's failure link and ASCII row come from states above it.
    int[] queue = new int[n];
    int head = 0;
    int tail = 0;
    ascii[0] = new int[ASCII];
    for (Map.Entry<Character, Integer> e : edges.get(0).entrySet()) {
      int child = e.getValue();
      fail[child] = 0;
      queue[tail++] = child;
      if (e.getKey() < ASCII) {
        ascii[0][e.getKey()] = child;
      } else {
        wide.get(0).put(e.getKey(), child);
      }
    }
    while (head < tail) {
      int s = queue[head++];
      accepting[s] |= accepting[fail[s]];
      ascii[s] = Arrays.copyOf(ascii[fail[s]], ASCII);
      for (Map.Entry<Character, Integer> e : edges.get(s).entrySet()) {
        char c = e.getKey();
        int child = e.getValue();
        fail[child] = s == 0 ? 0 : step(fail[s], c);
        queue[tail++] = child;
        if (c < ASCII) {
          ascii[s][c] = child;
        } else {
          wide.get(s).put(c, child);
        }
      }
    }
    flat = new int[n * ASCII];
    for (int s = 0; s < n; s++) {
      for (int c = 0; c < ASCII; c++) {
        int next = ascii[s][c];
        flat[s * ASCII + c] = accepting[next] ? ~next : next;
      }
    }
  }

  /** The state after {@code c} (lower case) from {@code state}; only called on built states. */
  private int step(int state, char c) {
    if (c < ASCII) {
      return ascii[state][c];
    }
    while (true) {
      Integer next = wide.get(state).get(c);
      if (next != null) {
        return next;
      }
      if (state == 0) {
        return 0;
      }
      state = fail[state];
    }
  }

  /** Whether a fragment occurs in {@code key[from, to)}, ignoring case. */
  boolean matches(CharSequence key, int from, int to) {
    if (empty) {
      return false;
    }
    int state = 0;
    for (int i = from; i < to; i++) {
      char c = key.charAt(i);
      if (c < ASCII) {
        if (c >= 'A' && c <= 'Z') {
          c = (char) (c + 32);
        }
        int next = flat[state * ASCII + c];
        if (next < 0) {
          return true;
        }
        state = next;
      } else {
        state = step(state, Character.toLowerCase(c));
        if (accepting[state]) {
          return true;
        }
      }
    }
    return false;
  }

  boolean matches(CharSequence key) {
    return matches(key, 0, key.length());
  }
}
