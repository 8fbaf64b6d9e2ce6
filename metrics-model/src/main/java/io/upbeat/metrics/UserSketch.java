package io.upbeat.metrics;

import com.dynatrace.hash4j.distinctcount.UltraLogLog;
import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The distinct users of an error group in some span of time, mergeable like {@link LatencySketch}:
 * written per group, hour and source partition by the processor, merged over a window by the API.
 *
 * <p>Exact while small: up to {@link #EXACT_LIMIT} distinct users it holds their 64-bit hashes
 * (komihash 5.0 of the user key; a collision among a thousand keys has a chance of about 10^-13),
 * so the few-user groups most apps have are counted exactly. Past that it becomes an UltraLogLog
 * sketch of precision {@link #PRECISION} (2^14 one-byte registers, 16 KiB whatever the number of
 * users), whose relative standard error is about 0.6 %: an estimate is within 2 % of the true count
 * with a margin of more than three standard errors ({@code UserSketchTest} checks it at 100,000 and
 * a million users). Both forms merge with each other, the hashes folding into the sketch, so the
 * merge of any rows is the count of the union of their users.
 *
 * <p>Encoding: one kind byte, then either the sorted hashes (8 bytes each, big-endian) or the
 * sketch's registers.
 */
public final class UserSketch {
  /** UltraLogLog precision: 2^14 registers. */
  public static final int PRECISION = 14;

  /** Distinct users kept as exact hashes before the sketch takes over. */
  public static final int EXACT_LIMIT = 1024;

  private static final byte EXACT = 1;
  private static final byte SKETCH = 2;
  private static final Hasher64 HASH = Hashing.komihash5_0();

  /** The exact hashes, or null once this is a sketch. */
  private Set<Long> hashes = new HashSet<>();

  /** The sketch, or null while exact. */
  private UltraLogLog sketch;

  /** The hash a user key is counted by (stable across versions and processes). */
  public static long hash(String userKey) {
    return HASH.hashBytesToLong(userKey.getBytes(StandardCharsets.UTF_8));
  }

  /** Counts a user key (see {@code ErrorContext.userKey}). */
  public UserSketch add(String userKey) {
    return addHash(hash(userKey));
  }

  /** Counts a user by its {@link #hash}. */
  public UserSketch addHash(long hash) {
    if (sketch != null) {
      sketch.add(hash);
    } else if (hashes.add(hash) && hashes.size() > EXACT_LIMIT) {
      toSketch();
    }
    return this;
  }

  /** Adds the users of another sketch (which is left as it is). */
  public UserSketch merge(UserSketch other) {
    if (other.sketch != null) {
      toSketch();
      sketch.add(other.sketch);
    } else {
      for (long h : other.hashes) {
        addHash(h);
      }
    }
    return this;
  }

  /**
   * Adds the users of a stored sketch.
   *
   * @throws IllegalArgumentException if {@code stored} is not in this class's encoding
   */
  public UserSketch merge(byte[] stored) {
    return merge(fromBytes(stored));
  }

  /**
   * A sketch read back from {@link #toBytes()}.
   *
   * @throws IllegalArgumentException if {@code stored} is not in this class's encoding
   */
  public static UserSketch fromBytes(byte[] stored) {
    if (stored == null || stored.length == 0) {
      throw new IllegalArgumentException("not a user sketch: empty");
    }
    UserSketch s = new UserSketch();
    if (stored[0] == EXACT && (stored.length - 1) % Long.BYTES == 0) {
      ByteBuffer b = ByteBuffer.wrap(stored, 1, stored.length - 1);
      while (b.hasRemaining()) {
        s.addHash(b.getLong());
      }
      return s;
    }
    if (stored[0] == SKETCH && stored.length == 1 + (1 << PRECISION)) {
      s.hashes = null;
      s.sketch = UltraLogLog.wrap(Arrays.copyOfRange(stored, 1, stored.length));
      return s;
    }
    throw new IllegalArgumentException(
        "not a user sketch: kind " + stored[0] + ", " + stored.length + " bytes");
  }

  public byte[] toBytes() {
    if (sketch != null) {
      byte[] state = sketch.getState();
      byte[] out = new byte[1 + state.length];
      out[0] = SKETCH;
      System.arraycopy(state, 0, out, 1, state.length);
      return out;
    }
    long[] sorted = hashes.stream().mapToLong(Long::longValue).sorted().toArray();
    ByteBuffer b = ByteBuffer.allocate(1 + sorted.length * Long.BYTES);
    b.put(EXACT);
    for (long h : sorted) {
      b.putLong(h);
    }
    return b.array();
  }

  /** The number of distinct users: exact while {@link #isExact()}, else the sketch's estimate. */
  public long count() {
    return sketch == null ? hashes.size() : Math.round(sketch.getDistinctCountEstimate());
  }

  /** Whether {@link #count()} is exact (at most {@link #EXACT_LIMIT} distinct users). */
  public boolean isExact() {
    return sketch == null;
  }

  public boolean isEmpty() {
    return sketch == null ? hashes.isEmpty() : sketch.isEmpty();
  }

  private void toSketch() {
    if (sketch != null) {
      return;
    }
    sketch = UltraLogLog.create(PRECISION);
    for (long h : hashes) {
      sketch.add(h);
    }
    hashes = null;
  }
}
