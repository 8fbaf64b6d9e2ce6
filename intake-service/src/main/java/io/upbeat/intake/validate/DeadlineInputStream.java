package io.upbeat.intake.validate;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Fails every read once {@code timeout} has passed since the stream was made, with a {@link
 * ReadTimeoutException}, so a client that trickles its body cannot hold a request thread for long.
 * A read that blocks because the client sends nothing at all is bounded by the server's own socket
 * timeout ({@code server.tomcat.connection-timeout}).
 */
public final class DeadlineInputStream extends FilterInputStream {
  private final long deadlineNanos;
  private final LongSupplier nanoTicker;
  private final Duration timeout;
  private final Runnable onExpiry;
  private boolean expired;

  public DeadlineInputStream(InputStream in, Duration timeout, LongSupplier nanoTicker) {
    this(in, timeout, nanoTicker, () -> {});
  }

  /**
   * @param onExpiry runs once, when a read first finds the time up (e.g. to have the server stop
   *     reading the rest of the body)
   */
  public DeadlineInputStream(
      InputStream in, Duration timeout, LongSupplier nanoTicker, Runnable onExpiry) {
    super(in);
    this.timeout = timeout;
    this.nanoTicker = nanoTicker;
    this.onExpiry = onExpiry;
    this.deadlineNanos = nanoTicker.getAsLong() + timeout.toNanos();
  }

  @Override
  public int read() throws IOException {
    check();
    int b = super.read();
    check();
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    check();
    int n = super.read(b, off, len);
    check();
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    check();
    return super.skip(n);
  }

  /**
   * Whether a read failed because the time was up (a parser may have turned the exception into its
   * own outcome).
   */
  public boolean expired() {
    return expired;
  }

  /** The answer's message, the same at every receiver. */
  public String answer() {
    return ReadTimeoutException.answer(timeout);
  }

  private void check() throws ReadTimeoutException {
    if (nanoTicker.getAsLong() - deadlineNanos > 0) {
      if (!expired) {
        expired = true;
        onExpiry.run();
      }
      throw new ReadTimeoutException(timeout);
    }
  }

  /** The body did not arrive in time. */
  public static final class ReadTimeoutException extends IOException {
    ReadTimeoutException(Duration timeout) {
      super("the body did not arrive within " + timeout, null);
    }

    static String answer(Duration timeout) {
      long ms = timeout.toMillis();
      String limit = ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
      return "The request body did not arrive within "
          + limit
          + "; send it faster or in smaller"
          + " batches.";
    }
  }
}
