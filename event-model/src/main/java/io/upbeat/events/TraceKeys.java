package io.upbeat.events;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * The {@code upbeat-trace-keys} record header: a 64-bit key of each trace whose transactions the
 * batch counts without keeping them in full (its transactions with a trace id that are not among
 * its samples), distinct, 8 bytes each, big-endian. The tail pipeline reads it to pass over,
 * undecoded, a record none of whose traces was marked, instead of tokenizing the whole batch to
 * find out.
 *
 * <p>A key is a hash of the trace id ({@link #of}): two trace ids may share one, so a match only
 * means the record is decoded and its trace ids compared; a record without the header (written
 * before it existed, or by a tool) is always decoded.
 */
public final class TraceKeys {
  /** The header's name. */
  public static final String HEADER = "upbeat-trace-keys";

  private TraceKeys() {}

  /** The key of {@code traceId}: 64 bits of its FNV-1a hash, over its characters. */
  public static long of(String traceId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < traceId.length(); i++) {
      h ^= traceId.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /**
   * The header of {@code batch}: the keys of the traces of its transactions that it does not keep
   * in full (an empty array when there are none).
   */
  public static byte[] encode(EventBatch batch) {
    List<TransactionEvent> transactions = batch.transactions();
    Set<String> inFull = null;
    if (!batch.samples().isEmpty()) {
      inFull = new HashSet<>();
      for (TransactionEvent s : batch.samples()) {
        inFull.add(s.traceId() + '/' + s.id());
      }
    }
    long[] keys = new long[transactions.size()];
    int n = 0;
    for (TransactionEvent t : transactions) {
      if (t.traceId() == null || (inFull != null && inFull.contains(t.traceId() + '/' + t.id()))) {
        continue;
      }
      keys[n++] = of(t.traceId());
    }
    Arrays.sort(keys, 0, n);
    ByteBuffer out = ByteBuffer.allocate(n * Long.BYTES);
    for (int i = 0; i < n; i++) {
      if (i == 0 || keys[i] != keys[i - 1]) {
        out.putLong(keys[i]);
      }
    }
    return Arrays.copyOf(out.array(), out.position());
  }

  /**
   * Whether any key of {@code header} satisfies {@code wanted}; true for a header that is not a
   * whole number of keys (it is not trusted: the record is decoded).
   */
  public static boolean any(byte[] header, LongPredicate wanted) {
    if (header.length % Long.BYTES != 0) {
      return true;
    }
    ByteBuffer in = ByteBuffer.wrap(header);
    while (in.hasRemaining()) {
      if (wanted.test(in.getLong())) {
        return true;
      }
    }
    return false;
  }
}
