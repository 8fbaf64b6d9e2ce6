package io.upbeat.intake.validate;

import io.upbeat.events.StorableText;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes bytes through while checking that they are well-formed UTF-8 ({@link
 * StorableText#firstMalformedByte}: no invalid bytes, overlong forms, encoded surrogates or code
 * points above U+10FFFF), and fails the read that brings the first bad byte, or the end of a stream
 * that stops inside a character, with a {@link MalformedTextException}. The check runs over each
 * chunk as it is read, in place (no copy); a character split between two reads is checked once its
 * last byte arrives.
 */
public final class Utf8CheckingInputStream extends FilterInputStream {
  /** The start of a character that the last read cut off, at most 3 bytes. */
  private final byte[] carry = new byte[4];

  private int carried;
  private long offset; // of the first byte not yet checked (carry included)

  public Utf8CheckingInputStream(InputStream in) {
    super(in);
  }

  /** Checks a whole array at once (an already read body), from the start. */
  public static void check(byte[] bytes) throws MalformedTextException {
    int bad = StorableText.firstMalformedByte(bytes, 0, bytes.length);
    if (bad >= 0) {
      throw new MalformedTextException(bad);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n < 0) {
      if (carried > 0) {
        throw new MalformedTextException(offset);
      }
      return n;
    }
    check(b, off, off + n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must be checked too.
    byte[] buffer = new byte[(int) Math.min(8192, Math.max(0, n))];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void check(byte[] b, int from, int to) throws MalformedTextException {
    int i = from;
    if (carried > 0) {
      // Complete the character the last read cut off.
      int need = length(carry[0]) - carried;
      int take = Math.min(need, to - i);
      System.arraycopy(b, i, carry, carried, take);
      carried += take;
      i += take;
      if (carried < length(carry[0])) {
        return; // still incomplete: wait for more
      }
      if (StorableText.firstMalformedByte(carry, 0, carried) >= 0) {
        throw new MalformedTextException(offset);
      }
      offset += carried;
      carried = 0;
    }
    int end = completeUpTo(b, i, to);
    int bad = StorableText.firstMalformedByte(b, i, end);
    if (bad >= 0) {
      throw new MalformedTextException(offset + (bad - i));
    }
    offset += end - i;
    carried = to - end;
    System.arraycopy(b, end, carry, 0, carried);
  }

  /**
   * Where the last whole character of {@code b[from, to)} ends: before a trailing lead byte whose
   * continuation bytes have not all arrived yet.
   */
  private static int completeUpTo(byte[] b, int from, int to) {
    for (int k = to - 1; k >= from && k >= to - 3; k--) {
      int v = b[k] & 0xFF;
      if (v < 0x80) {
        return to; // ASCII: whatever precedes it is whole (or malformed, found by the check)
      }
      if (v >= 0xC0) {
        return k + length(b[k]) > to ? k : to;
      }
    }
    return to;
  }

  /** The length of the character a lead byte starts (1 for anything else: found malformed). */
  private static int length(byte lead) {
    int v = lead & 0xFF;
    if (v >= 0xC2 && v <= 0xDF) {
      return 2;
    }
    if (v >= 0xE0 && v <= 0xEF) {
      return 3;
    }
    if (v >= 0xF0 && v <= 0xF4) {
      return 4;
    }
    return 1;
  }
}
