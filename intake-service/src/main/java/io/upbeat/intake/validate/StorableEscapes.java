package io.upbeat.intake.validate;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Rewrites, in JSON bytes, the escapes that are valid JSON but not storable text: {@code \u0000}
 * and unpaired surrogate escapes ({@code \uD800} without its low half, or a lone {@code \uDC00})
 * become {@code \uFFFD}, in place (six bytes for six bytes). So every JSON receiver's parser sees
 * only storable strings, property names included (Jackson's UTF-8 parser refuses an unpaired
 * surrogate escape in a property name, and would otherwise turn a valid request into a 400). Paired
 * surrogate escapes, {@code \\} and every other escape are left alone; a backslash outside a string
 * is left for the parser to refuse.
 *
 * <p>One linear pass that looks at backslashes only (eight bytes at a time otherwise). Not
 * thread-safe: one instance per request, counting what it replaced.
 */
public final class StorableEscapes {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  private int replaced;

  /** Escapes replaced so far. */
  public int replaced() {
    return replaced;
  }

  /**
   * Rewrites {@code b[from, to)} and returns how far it is done: {@code to}, or, unless {@code
   * atEnd}, the start of an escape that may continue past {@code to} (at most 11 bytes before it).
   */
  public int rewrite(byte[] b, int from, int to, boolean atEnd) {
    int i = from;
    while (i < to) {
      if (i + 8 <= to && !hasBackslash((long) LONGS.get(b, i))) {
        i += 8;
        continue;
      }
      if (b[i] != '\\') {
        i++;
        continue;
      }
      if (i + 1 >= to) {
        return atEnd ? to : i;
      }
      if (b[i + 1] != 'u') {
        i += 2; // \\ \" \n ...: the next byte cannot start an escape
        continue;
      }
      if (i + 6 > to) {
        return atEnd ? to : i;
      }
      int c = hex4(b, i + 2);
      if (c == 0 || (c >= 0xDC00 && c <= 0xDFFF)) {
        replace(b, i);
      } else if (c >= 0xD800 && c <= 0xDBFF) {
        if (i + 12 > to && !atEnd && mayFollow(b, i + 6, to)) {
          return i; // the low half may be in the next chunk
        }
        int low = i + 12 <= to && b[i + 6] == '\\' && b[i + 7] == 'u' ? hex4(b, i + 8) : -1;
        if (low >= 0xDC00 && low <= 0xDFFF) {
          i += 12;
          continue;
        }
        replace(b, i);
      }
      i += c < 0 ? 2 : 6;
    }
    return to;
  }

  /** Whether the bytes in {@code [from, to)} could begin a {@code \\uXXXX} escape. */
  private static boolean mayFollow(byte[] b, int from, int to) {
    return (from >= to || b[from] == '\\') && (from + 1 >= to || b[from + 1] == 'u');
  }

  private void replace(byte[] b, int escape) {
    b[escape + 2] = 'F';
    b[escape + 3] = 'F';
    b[escape + 4] = 'F';
    b[escape + 5] = 'D';
    replaced++;
  }

  private static boolean hasBackslash(long word) {
    long x = word ^ BACKSLASHES;
    return ((x - ONES) & ~x & HIGHS) != 0;
  }

  private static int hex4(byte[] b, int at) {
    int v = 0;
    for (int k = at; k < at + 4; k++) {
      int d = Character.digit(b[k], 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  /** A stream whose JSON bytes pass through {@link #rewrite}, chunk by chunk. */
  public static final class Stream extends FilterInputStream {
    private final StorableEscapes escapes = new StorableEscapes();
    private final byte[] buffer = new byte[8192 + 16];
    private int position;
    private int ready;
    private int limit;
    private boolean eof;

    public Stream(InputStream in) {
      super(in);
    }

    /** Escapes replaced so far. */
    public int replaced() {
      return escapes.replaced();
    }

    @Override
    public int read() throws IOException {
      while (position == ready) {
        if (eof) {
          return -1;
        }
        fill();
      }
      return buffer[position++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (position == ready) {
        if (eof) {
          return -1;
        }
        fill();
      }
      int n = Math.min(len, ready - position);
      System.arraycopy(buffer, position, b, off, n);
      position += n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = 0;
      while (skipped < n && read() >= 0) {
        skipped++;
      }
      return skipped;
    }

    @Override
    public int available() {
      return ready - position;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    private void fill() throws IOException {
      int tail = limit - ready;
      System.arraycopy(buffer, ready, buffer, 0, tail);
      position = 0;
      limit = tail;
      int r = in.read(buffer, limit, buffer.length - limit);
      if (r < 0) {
        eof = true;
      } else {
        limit += r;
      }
      ready = escapes.rewrite(buffer, 0, limit, eof);
    }
  }
}
