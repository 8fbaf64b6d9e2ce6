package io.upbeat.intake.validate;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Passes bytes through until more than {@code limit} have been read, then fails every read. */
public final class LimitedInputStream extends FilterInputStream {
  private final long limit;
  private long count;

  public LimitedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      add(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      add(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    add(skipped);
    return skipped;
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  private void add(long n) throws BodyTooLargeException {
    count += n;
    if (count > limit) {
      throw new BodyTooLargeException(limit);
    }
  }
}
