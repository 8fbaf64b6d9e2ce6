package io.upbeat.bench.sketch;

import io.upbeat.metrics.LatencySketch;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * The two candidates behind one interface, each configured for the contract's 1% bound: Upbeat's
 * {@link LatencySketch} (DDSketch, 0.5% logarithmic mapping, dense store) and HdrHistogram as
 * Elastic APM's agents use it (microseconds, 2 significant digits, 1 µs to 24 h).
 */
public enum Sketches {
  DDSKETCH {
    @Override
    Object empty() {
      return LatencySketch.empty();
    }

    @Override
    void add(Object sketch, double millis) {
      ((LatencySketch) sketch).add(millis);
    }

    @Override
    void merge(Object into, Object from) {
      ((LatencySketch) into).merge((LatencySketch) from);
    }

    @Override
    byte[] encode(Object sketch) {
      return ((LatencySketch) sketch).toBytes();
    }

    @Override
    Object decode(byte[] bytes) {
      return LatencySketch.fromBytes(bytes);
    }

    @Override
    double quantile(Object sketch, double q) {
      return ((LatencySketch) sketch).quantile(q);
    }
  },

  HDR_HISTOGRAM {
    private static final long HIGHEST_MICROS = 86_400_000_000L;

    @Override
    Object empty() {
      return new Histogram(1, HIGHEST_MICROS, 2);
    }

    @Override
    void add(Object sketch, double millis) {
      long micros = Math.max(1, Math.min(HIGHEST_MICROS, Math.round(millis * 1000)));
      ((Histogram) sketch).recordValue(micros);
    }

    @Override
    void merge(Object into, Object from) {
      ((Histogram) into).add((Histogram) from);
    }

    /** HdrHistogram's compressed form (its V2 encoding, deflated), as it is usually stored. */
    @Override
    byte[] encode(Object sketch) {
      Histogram h = (Histogram) sketch;
      ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
      int length = h.encodeIntoCompressedByteBuffer(buffer);
      byte[] bytes = new byte[length];
      buffer.flip();
      buffer.get(bytes);
      return bytes;
    }

    @Override
    Object decode(byte[] bytes) {
      try {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), HIGHEST_MICROS);
      } catch (DataFormatException e) {
        throw new IllegalArgumentException(e);
      }
    }

    @Override
    double quantile(Object sketch, double q) {
      return ((Histogram) sketch).getValueAtPercentile(q * 100) / 1000.0;
    }
  };

  abstract Object empty();

  abstract void add(Object sketch, double millis);

  abstract void merge(Object into, Object from);

  abstract byte[] encode(Object sketch);

  abstract Object decode(byte[] bytes);

  abstract double quantile(Object sketch, double q);

  /** HdrHistogram's uncompressed V2 encoding, for the size table. */
  static int hdrUncompressedSize(Object sketch) {
    Histogram h = (Histogram) sketch;
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    return h.encodeIntoByteBuffer(buffer);
  }
}
