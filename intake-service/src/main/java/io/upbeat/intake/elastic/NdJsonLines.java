package io.upbeat.intake.elastic;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines as the bytes arrive, so each event of a held-open request is
 * handled when its line is complete. A line longer than {@code maxLineBytes} is read to its end but
 * not kept (reported with {@link #tooLong()}), so one huge event cannot make intake buffer it.
 */
final class NdJsonLines {
  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buffer = new byte[8192];
  private int position;
  private int limit;
  private byte[] line = new byte[4096];
  private int length;
  private boolean tooLong;

  NdJsonLines(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** Reads the next line (without its terminator); false at the end of the stream. */
  boolean next() throws IOException {
    length = 0;
    tooLong = false;
    boolean any = false;
    while (true) {
      if (position == limit) {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
          return any;
        }
        position = 0;
        limit = n;
      }
      any = true;
      int start = position;
      while (position < limit && buffer[position] != '\n') {
        position++;
      }
      append(start, position - start);
      if (position < limit) {
        position++; // the newline
        return true;
      }
    }
  }

  private void append(int from, int n) {
    if (tooLong || n == 0) {
      return;
    }
    if (length + n > maxLineBytes) {
      tooLong = true;
      length = 0;
      return;
    }
    if (length + n > line.length) {
      line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, length + n)));
    }
    System.arraycopy(buffer, from, line, length, n);
    length += n;
  }

  byte[] bytes() {
    return line;
  }

  int length() {
    return length;
  }

  boolean tooLong() {
    return tooLong;
  }

  /** Whether the line holds only whitespace (agents may end the stream with an empty line). */
  boolean blank() {
    for (int i = 0; i < length; i++) {
      byte b = line[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return !tooLong;
  }
}
