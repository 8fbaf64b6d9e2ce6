package io.upbeat.assignment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ownership glob compiled to a small automaton and run over a path bit-parallel (shift-and):
 * all positions the pattern could have reached are tracked at once, so a match takes {@code n *
 * ceil(m / 64)} word operations for a path of n characters and a pattern of m tokens (times the few
 * steps of closing over optional tokens, which never follow each other in long runs), whatever the
 * input, and never backtracks. It means exactly what the regular expression it replaced meant:
 *
 * <ul>
 *   <li>{@code *}: {@code [^/]*}; {@code ?}: {@code [^/]}; {@code **} followed by {@code /}: {@code
 *       (.*&#47;)?}; other {@code **}: {@code .*}; anything else: itself.
 *   <li>before it, {@code (.*&#47;)?} unless the glob is anchored at the root;
 *   <li>after it, {@code /.*} for a directory pattern, else {@code (/.*)?}.
 * </ul>
 *
 * ({@code .} matching any character but a line terminator, as in {@code java.util.regex}.)
 */
final class Glob {
  private enum Kind {
    LITERAL,
    ONE, // [^/]
    SEGMENT, // [^/]*
    ANY, // .*
    EMPTY // consumes nothing: the entry of an optional group, which may skip it whole
  }

  private record Token(Kind kind, char c) {}

  /** Builds the token list with its epsilon moves. */
  private static final class Builder {
    final List<Token> tokens = new ArrayList<>();
    final List<Integer> skip3 = new ArrayList<>(); // states that may jump over three tokens
    int groupEnd = -1; // where the last (.*/)? ended

    void literal(char c) {
      tokens.add(new Token(Kind.LITERAL, c));
    }

    void add(Kind kind) {
      tokens.add(new Token(kind, '\0'));
    }

    /**
     * {@code (.*&#47;)?}: an entry state of its own, so that having looped in {@code .*} never
     * allows skipping the {@code /}.
     */
    void optionalDirectories() {
      if (groupEnd == tokens.size()) {
        return; // (.*/)?(.*/)? is (.*/)?: chains of them would only lengthen the closure
      }
      skip3.add(tokens.size());
      add(Kind.EMPTY);
      add(Kind.ANY);
      literal('/');
      groupEnd = tokens.size();
    }
  }

  private final int states; // tokens + 1; the last state accepts
  private final int words;
  private final long[] skip1; // a state whose token is a star or empty may skip it
  private final long[] skip3; // the entry of an optional group may skip the group
  private final long[] advancing; // LITERAL and ONE tokens: consume and move on
  private final long[] looping; // SEGMENT and ANY tokens: consume and stay
  private final long[] slash; // tokens that accept '/'
  private final long[] lineEnd; // tokens that accept a line terminator
  private final long[] other; // tokens that accept any other character not named in literals
  private final Map<Character, long[]> literals; // tokens that accept that character
  private final long[][] ascii; // what accepts each ASCII character: the common case, no lookup
  private final long[] start;

  private Glob(Builder b) {
    states = b.tokens.size() + 1;
    words = (states + 63) >>> 6;
    skip1 = new long[words];
    skip3 = new long[words];
    advancing = new long[words];
    looping = new long[words];
    slash = new long[words];
    lineEnd = new long[words];
    other = new long[words];
    literals = new HashMap<>();
    for (int i = 0; i < b.tokens.size(); i++) {
      Token t = b.tokens.get(i);
      switch (t.kind()) {
        case LITERAL -> {
          set(advancing, i);
          set(literals.computeIfAbsent(t.c(), c -> new long[words]), i);
        }
        case ONE -> {
          set(advancing, i);
          set(lineEnd, i);
          set(other, i);
        }
        case SEGMENT -> {
          set(looping, i);
          set(skip1, i);
          set(lineEnd, i);
          set(other, i);
        }
        case ANY -> {
          set(looping, i);
          set(skip1, i);
          set(slash, i);
          set(other, i);
        }
        case EMPTY -> set(skip1, i);
      }
    }
    for (int s : b.skip3) {
      set(skip3, s);
    }
    // What a literal's character is accepted by: the literals plus the classes that take it.
    for (Map.Entry<Character, long[]> e : literals.entrySet()) {
      long[] classes = classesFor(e.getKey());
      for (int w = 0; w < words; w++) {
        e.getValue()[w] |= classes[w];
      }
    }
    ascii = new long[128][];
    for (char c = 0; c < 128; c++) {
      long[] l = literals.get(c);
      ascii[c] = l != null ? l : classesFor(c);
    }
    start = new long[words];
    set(start, 0);
    close(start);
  }

  /**
   * Compiles a pattern as written in a rule (one token of its line).
   *
   * @param rooted whether it matches from the repository root only (else at any depth)
   */
  static Glob compile(String glob, boolean rooted, boolean directory) {
    Builder b = new Builder();
    if (!rooted) {
      b.optionalDirectories();
    }
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          boolean slashAfter = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
          if (slashAfter) {
            b.optionalDirectories();
          } else {
            b.add(Kind.ANY);
          }
          i += slashAfter ? 2 : 1;
        } else {
          b.add(Kind.SEGMENT);
        }
      } else if (c == '?') {
        b.add(Kind.ONE);
      } else {
        b.literal(c);
      }
    }
    if (directory) { // /.*
      b.literal('/');
      b.add(Kind.ANY);
    } else { // (/.*)?
      b.skip3.add(b.tokens.size());
      b.add(Kind.EMPTY);
      b.literal('/');
      b.add(Kind.ANY);
    }
    return new Glob(b);
  }

  /** Whether the whole of {@code path} matches. */
  boolean matches(CharSequence path) {
    return words == 1 ? matchesInOneWord(path) : matchesInWords(path);
  }

  /** {@link #matches} for up to 63 tokens (nearly every pattern): plain long arithmetic. */
  private boolean matchesInOneWord(CharSequence path) {
    long d = start[0];
    long advancing = this.advancing[0];
    long looping = this.looping[0];
    for (int i = 0; i < path.length(); i++) {
      long hit = d & accepting(path.charAt(i))[0];
      d = closeOne(((hit & advancing) << 1) | (hit & looping));
      if (d == 0) {
        return false;
      }
    }
    return (d & (1L << (states - 1))) != 0;
  }

  private long closeOne(long d) {
    long skip1 = this.skip1[0];
    long skip3 = this.skip3[0];
    while (true) {
      long closed = d | ((d & skip1) << 1) | ((d & skip3) << 3);
      if (closed == d) {
        return d;
      }
      d = closed;
    }
  }

  private boolean matchesInWords(CharSequence path) {
    long[] d = start.clone();
    long[] next = new long[words];
    for (int i = 0; i < path.length(); i++) {
      long[] accept = accepting(path.charAt(i));
      long carry = 0;
      long carry1 = 0;
      long carry3 = 0;
      long any = 0;
      boolean again = false;
      for (int w = 0; w < words; w++) {
        long hit = d[w] & accept[w];
        long moved = hit & advancing[w];
        long n = (moved << 1) | carry | (hit & looping[w]) | carry1 | carry3;
        carry = moved >>> 63;
        // One step of the closure on the way; another pass only if it reached a skipping state.
        long s1 = n & skip1[w];
        long s3 = n & skip3[w];
        long add = (s1 << 1) | (s3 << 3);
        again |= (add & ~n & (skip1[w] | skip3[w])) != 0;
        n |= add;
        carry1 = s1 >>> 63;
        carry3 = s3 >>> 61;
        next[w] = n;
        any |= n;
      }
      if (any == 0) {
        return false;
      }
      if (again) {
        close(next);
      }
      long[] t = d;
      d = next;
      next = t;
    }
    int last = states - 1;
    return (d[last >>> 6] & (1L << last)) != 0;
  }

  private long[] accepting(char c) {
    if (c < 128) {
      return ascii[c];
    }
    long[] l = literals.get(c);
    return l != null ? l : classesFor(c);
  }

  private long[] classesFor(char c) {
    if (c == '/') {
      return slash;
    }
    return lineTerminator(c) ? lineEnd : other;
  }

  /** What {@code .} refuses in {@code java.util.regex} without DOTALL. */
  private static boolean lineTerminator(char c) {
    return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
  }

  /** Adds the states reachable by skipping stars and optional groups (to a fixed point). */
  private void close(long[] d) {
    while (true) {
      boolean changed = false;
      long carry1 = 0;
      long carry3 = 0;
      for (int w = 0; w < words; w++) {
        long s1 = d[w] & skip1[w];
        long s3 = d[w] & skip3[w];
        long add = (s1 << 1) | carry1 | (s3 << 3) | carry3;
        carry1 = s1 >>> 63;
        carry3 = s3 >>> 61;
        long added = add & ~d[w];
        d[w] |= add;
        // Only a state that may itself skip can lead further.
        changed |= (added & (skip1[w] | skip3[w])) != 0;
      }
      if (!changed) {
        return;
      }
    }
  }

  private static void set(long[] bits, int i) {
    bits[i >>> 6] |= 1L << i;
  }
}
