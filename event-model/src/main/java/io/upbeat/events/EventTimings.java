package io.upbeat.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A compact binary copy of what the metrics pipeline reads of a batch ({@link
 * EventBatchCodec.Parts#TRANSACTION_TIMINGS}: the transactions without ids, spans and context, and
 * the agents' aggregates), written by intake into the record header {@link #HEADER} beside the JSON
 * value. The metrics pipeline reads every transaction of every record; from this header it does so
 * without tokenizing each transaction's spans and context, which made decoding most of its work.
 *
 * <p>The JSON value stays the record of truth: a reader that finds no header (records written
 * before it existed, replays through tools that drop headers) or one it cannot read decodes the
 * value instead ({@link EventBatchCodec#decode(byte[], byte[], EventBatchCodec.Parts)}), so the
 * header can cost speed, never data.
 *
 * <p>Layout, version 1 (varints are unsigned LEB128; strings a varint byte length, then UTF-8;
 * "ref" is a varint index into the string table, 0 meaning null and i + 1 the i-th string):
 *
 * <pre>
 * byte 1 (version) | batch id, app id: 2 x 2 longs | received_at | service: 7 refs
 * | varint n, n strings (the table) | varint transactions, each:
 * name ref, type ref, timestamp, duration (8-byte double), result ref,
 * outcome ref | varint metrics, each: name ref, type ref, minute, varint count, varint failures,
 * sum, min, max (doubles), varint length + sketch bytes
 * </pre>
 *
 * Version 2 appends the destination metrics: {@code varint n, each: destination ref, minute, varint
 * count, varint failures, sum, min, max, varint length + sketch bytes}. A batch without them is
 * written as version 1, byte for byte as before, so processors that read only version 1 keep their
 * fast path for it; they decode the value of a version 2 record instead (and drop its destination
 * metrics, which they do not know).
 *
 * <p>Instants are a zigzag varint of epoch seconds and a varint of nanoseconds.
 */
public final class EventTimings {
  /** The record header that carries the timings. */
  public static final String HEADER = "upbeat-timings";

  private static final int VERSION = 1;

  /** Version 1 plus the destination metrics (see the class comment). */
  private static final int VERSION_DESTINATIONS = 2;

  private EventTimings() {}

  /**
   * The header for {@code batch}, or null when it has neither transactions nor aggregates (the
   * metrics pipeline skips such records by their parts header).
   */
  public static byte[] encode(EventBatch batch) {
    List<DestinationMetric> destinations = batch.destinationMetrics();
    if (batch.transactions().isEmpty() && batch.metrics().isEmpty() && destinations.isEmpty()) {
      return null;
    }
    Strings strings = new Strings();
    ServiceInfo s = batch.service();
    int[] service = {
      strings.ref(s.name()),
      strings.ref(s.environment()),
      strings.ref(s.version()),
      strings.ref(s.agentName()),
      strings.ref(s.agentVersion()),
      strings.ref(s.language()),
      strings.ref(s.host())
    };
    int txCount = batch.transactions().size();
    int[] refs = new int[txCount * 4];
    int i = 0;
    for (TransactionEvent t : batch.transactions()) {
      refs[i++] = strings.ref(t.name());
      refs[i++] = strings.ref(t.type());
      refs[i++] = strings.ref(t.result());
      refs[i++] = strings.ref(t.outcome());
    }
    int[] metricRefs = new int[batch.metrics().size() * 2];
    i = 0;
    for (TransactionMetric m : batch.metrics()) {
      metricRefs[i++] = strings.ref(m.name());
      metricRefs[i++] = strings.ref(m.type());
    }
    int[] destinationRefs = new int[destinations.size()];
    i = 0;
    for (DestinationMetric m : destinations) {
      destinationRefs[i++] = strings.ref(m.destination());
    }

    Writer w =
        new Writer(
            64
                + strings.bytes
                + txCount * 40
                + (batch.metrics().size() + destinations.size()) * 96);
    w.put(destinations.isEmpty() ? VERSION : VERSION_DESTINATIONS);
    w.uuid(batch.batchId());
    w.uuid(batch.appId());
    w.instant(batch.receivedAt());
    for (int ref : service) {
      w.varint(ref);
    }
    w.varint(strings.list.size());
    for (byte[] utf8 : strings.list) {
      w.varint(utf8.length);
      w.bytes(utf8);
    }
    w.varint(txCount);
    i = 0;
    for (TransactionEvent t : batch.transactions()) {
      w.varint(refs[i++]);
      w.varint(refs[i++]);
      w.instant(t.timestamp());
      w.doubleBits(t.durationMs());
      w.varint(refs[i++]);
      w.varint(refs[i++]);
    }
    w.varint(batch.metrics().size());
    i = 0;
    for (TransactionMetric m : batch.metrics()) {
      w.varint(metricRefs[i++]);
      w.varint(metricRefs[i++]);
      w.aggregate(m.minute(), m.count(), m.failures(), m.sumMs(), m.minMs(), m.maxMs(), m.sketch());
    }
    if (!destinations.isEmpty()) {
      w.varint(destinations.size());
      i = 0;
      for (DestinationMetric m : destinations) {
        w.varint(destinationRefs[i++]);
        w.aggregate(
            m.minute(), m.count(), m.failures(), m.sumMs(), m.minMs(), m.maxMs(), m.sketch());
      }
    }
    return w.toByteArray();
  }

  /**
   * The batch as {@link EventBatchCodec#decode(byte[], EventBatchCodec.Parts)} with {@link
   * EventBatchCodec.Parts#TRANSACTION_TIMINGS} reads it from the JSON value.
   *
   * @throws IllegalArgumentException if {@code header} is not a timings header this reader
   *     understands
   */
  public static EventBatch decode(byte[] header) {
    try {
      return read(new Reader(header));
    } catch (NullPointerException e) {
      // a required field (a name, a type, the service's name) refers to no string
      throw new IllegalArgumentException("timings header lacks a required field", e);
    }
  }

  private static EventBatch read(Reader r) {
    int version = r.get();
    if (version != VERSION && version != VERSION_DESTINATIONS) {
      throw new IllegalArgumentException("unsupported timings version: " + version);
    }
    UUID batchId = r.uuid();
    UUID appId = r.uuid();
    Instant receivedAt = r.instant();
    int[] service = new int[7];
    for (int i = 0; i < service.length; i++) {
      service[i] = r.varint();
    }
    // Each string takes at least its length byte, each transaction at least 14 bytes, each
    // metric at least 31: counts beyond what the bytes left can hold are refused before any
    // allocation, so a garbled count cannot ask for gigabytes.
    String[] table = new String[r.count(1) + 1];
    for (int i = 1; i < table.length; i++) {
      table[i] = r.string();
    }
    ServiceInfo s =
        new ServiceInfo(
            r.ref(table, service[0]),
            r.ref(table, service[1]),
            r.ref(table, service[2]),
            r.ref(table, service[3]),
            r.ref(table, service[4]),
            r.ref(table, service[5]),
            r.ref(table, service[6]));
    int txCount = r.count(14);
    List<TransactionEvent> transactions = new ArrayList<>(txCount);
    for (int i = 0; i < txCount; i++) {
      String name = r.ref(table, r.varint());
      String type = r.ref(table, r.varint());
      Instant timestamp = r.instant();
      double duration = r.doubleBits();
      String result = r.ref(table, r.varint());
      String outcome = r.ref(table, r.varint());
      transactions.add(
          new TransactionEvent(
              null, null, name, type, timestamp, duration, result, outcome, List.of(), null));
    }
    int metricCount = r.count(31);
    List<TransactionMetric> metrics = new ArrayList<>(metricCount);
    for (int i = 0; i < metricCount; i++) {
      String name = r.ref(table, r.varint());
      String type = r.ref(table, r.varint());
      Aggregate a = r.aggregate();
      metrics.add(
          new TransactionMetric(
              name,
              type,
              a.minute(),
              a.count(),
              a.failures(),
              a.sum(),
              a.min(),
              a.max(),
              a.sketch()));
    }
    List<DestinationMetric> destinations = List.of();
    if (version == VERSION_DESTINATIONS) {
      int n = r.count(30);
      destinations = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String destination = r.ref(table, r.varint());
        Aggregate a = r.aggregate();
        destinations.add(
            new DestinationMetric(
                destination,
                a.minute(),
                a.count(),
                a.failures(),
                a.sum(),
                a.min(),
                a.max(),
                a.sketch()));
      }
    }
    if (r.remaining() != 0) {
      throw new IllegalArgumentException("timings header has " + r.remaining() + " extra bytes");
    }
    return new EventBatch(
        batchId,
        appId,
        receivedAt,
        s,
        transactions,
        List.of(),
        List.of(),
        metrics,
        List.of(),
        destinations);
  }

  /** The fields transaction and destination metrics share, as read. */
  private record Aggregate(
      Instant minute,
      long count,
      long failures,
      double sum,
      double min,
      double max,
      byte[] sketch) {}

  /** The string table being built: each distinct string once, in order of first use. */
  private static final class Strings {
    // Names, types, results and outcomes repeat: a batch has a few dozen distinct strings.
    final Map<String, Integer> index = new HashMap<>(64);
    final List<byte[]> list = new ArrayList<>();
    int bytes;

    int ref(String s) {
      if (s == null) {
        return 0;
      }
      Integer known = index.get(s);
      if (known != null) {
        return known;
      }
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      list.add(utf8);
      bytes += utf8.length + 5;
      int ref = list.size();
      index.put(s, ref);
      return ref;
    }
  }

  private static final class Writer {
    private byte[] buf;
    private int pos;

    Writer(int capacity) {
      buf = new byte[capacity];
    }

    private void ensure(int n) {
      if (pos + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    void put(int b) {
      ensure(1);
      buf[pos++] = (byte) b;
    }

    void bytes(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    void varint(int v) {
      varlong(v & 0xFFFFFFFFL);
    }

    void varlong(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    void fixed64(long v) {
      ensure(8);
      for (int i = 0; i < 8; i++) {
        buf[pos++] = (byte) (v >>> (8 * i));
      }
    }

    void doubleBits(double d) {
      fixed64(Double.doubleToRawLongBits(d));
    }

    void uuid(UUID u) {
      fixed64(u.getMostSignificantBits());
      fixed64(u.getLeastSignificantBits());
    }

    void instant(Instant t) {
      long s = t.getEpochSecond();
      varlong((s << 1) ^ (s >> 63));
      varint(t.getNano());
    }

    /** The fields transaction and destination metrics share. */
    void aggregate(
        Instant minute,
        long count,
        long failures,
        double sum,
        double min,
        double max,
        byte[] sketch) {
      instant(minute);
      varlong(count);
      varlong(failures);
      doubleBits(sum);
      doubleBits(min);
      doubleBits(max);
      varint(sketch.length);
      bytes(sketch);
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, pos);
    }
  }

  private static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf) {
      this.buf = buf;
    }

    int remaining() {
      return buf.length - pos;
    }

    int get() {
      if (pos >= buf.length) {
        throw new IllegalArgumentException("timings header is truncated");
      }
      return buf[pos++] & 0xFF;
    }

    long varlong() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = get();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("timings header has a varint over 64 bits");
    }

    int varint() {
      long v = varlong();
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("timings header has an int out of range: " + v);
      }
      return (int) v;
    }

    /** A count of items that take at least {@code minBytes} each, checked against what is left. */
    int count(int minBytes) {
      int n = varint();
      if ((long) n * minBytes > remaining()) {
        throw new IllegalArgumentException("timings header count " + n + " exceeds its bytes");
      }
      return n;
    }

    long fixed64() {
      if (remaining() < 8) {
        throw new IllegalArgumentException("timings header is truncated");
      }
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v |= (buf[pos++] & 0xFFL) << (8 * i);
      }
      return v;
    }

    double doubleBits() {
      return Double.longBitsToDouble(fixed64());
    }

    UUID uuid() {
      return new UUID(fixed64(), fixed64());
    }

    Instant instant() {
      long z = varlong();
      long seconds = (z >>> 1) ^ -(z & 1);
      long nanos = varlong();
      try {
        return Instant.ofEpochSecond(seconds, nanos);
      } catch (java.time.DateTimeException | ArithmeticException e) {
        throw new IllegalArgumentException("timings header has an invalid instant", e);
      }
    }

    Aggregate aggregate() {
      Instant minute = instant();
      long count = varlong();
      long failures = varlong();
      double sum = doubleBits();
      double min = doubleBits();
      double max = doubleBits();
      return new Aggregate(minute, count, failures, sum, min, max, bytes(count(1)));
    }

    byte[] bytes(int n) {
      byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return out;
    }

    String string() {
      int n = count(1);
      String s = new String(buf, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }

    String ref(String[] table, int ref) {
      if (ref >= table.length) {
        throw new IllegalArgumentException("timings header refers to string " + ref);
      }
      return table[ref];
    }
  }
}
