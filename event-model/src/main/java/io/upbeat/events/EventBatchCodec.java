package io.upbeat.events;

import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.dataformat.smile.SmileFactory;
import tools.jackson.dataformat.smile.SmileWriteFeature;

/**
 * The value format of {@link Topics#EVENTS}: one {@link EventBatch} with a schema version ({@code
 * "v"}), in one of two encodings a reader tells apart by the first bytes:
 *
 * <ul>
 *   <li>{@link Format#SMILE} (what intake writes by default): Jackson's binary JSON (Smile, with
 *       its {@code :)\n} header), version 2. The same fields as version 1, with each {@code
 *       context} a string holding the context's JSON text (copied through, not re-tokenized), and
 *       {@code transactions}, the bulk of a batch, written last, so that a reader that wants none
 *       of them stops there. About half the CPU of the text to write and to read (numbers are
 *       binary, names are back-references), and fewer bytes to compress and store.
 *   <li>{@link Format#JSON}: JSON text, version 1 ({@code context} an object, {@code transactions}
 *       first), what intake wrote before, and still writes with {@code
 *       upbeat.intake.publish.value-format=json} (during an upgrade, for processors that predate
 *       Smile; or to read records as text).
 * </ul>
 *
 * Evolution rules: a reader ignores fields it does not know, and a writer may add optional fields
 * freely; removing or retyping a field, or changing a meaning, needs a new version, which readers
 * refuse until they are taught it (processors send such records to the dead-letter topic rather
 * than guess).
 */
public final class EventBatchCodec {
  /** The version of {@link Format#JSON} values. */
  public static final int VERSION = 1;

  /** The version of {@link Format#SMILE} values (contexts as JSON text, transactions last). */
  public static final int VERSION_2 = 2;

  /** How a batch's value is encoded; readers take either. */
  public enum Format {
    /** JSON text, version 1. */
    JSON,
    /** Smile (binary JSON), version 2: what intake writes unless told otherwise. */
    SMILE
  }

  /**
   * A record header of one byte saying which parts its batch holds ({@link #partsHeader}), so a
   * reader skips records with nothing it reads without decoding them ({@link Parts#mayBeIn}): most
   * batches carry no errors, and the errors pipeline need not scan their transactions.
   */
  public static final String PARTS_HEADER = "upbeat-parts";

  private static final int HAS_TRANSACTIONS = 1;
  private static final int HAS_ERRORS = 2;
  private static final int HAS_SAMPLES = 4; // samples or orphan spans: read together
  private static final int HAS_METRICS = 8; // transaction or destination metrics: read together

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Raw binary (sketches) rather than 7-bit safe; short string values shared by back-reference
   * (names, types, results repeat through a batch); an unpaired surrogate, which no receiver lets
   * through (they make text storable first), written as U+FFFD rather than failing the request.
   */
  private static final SmileFactory SMILE =
      SmileFactory.builder()
          .disable(SmileWriteFeature.ENCODE_BINARY_AS_7BIT)
          .enable(SmileWriteFeature.CHECK_SHARED_STRING_VALUES)
          .enable(SmileWriteFeature.LENIENT_UTF_ENCODING)
          .build();

  private EventBatchCodec() {}

  /** The batch as JSON text, version 1 ({@link Format#JSON}). */
  public static byte[] encode(EventBatch batch) {
    return encode(batch, Format.JSON);
  }

  public static byte[] encode(EventBatch batch, Format format) {
    boolean smile = format == Format.SMILE;
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + batch.size() * 256);
    try (JsonGenerator g =
        (smile ? SMILE : JSON).createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", smile ? VERSION_2 : VERSION);
      g.writeStringProperty("batch_id", batch.batchId().toString());
      g.writeStringProperty("app_id", batch.appId().toString());
      g.writeStringProperty("received_at", Rfc3339.format(batch.receivedAt()));
      writeService(g, batch.service());
      if (!smile) {
        writeTransactions(g, "transactions", batch.transactions(), false);
      }
      g.writeArrayPropertyStart("errors");
      for (ErrorEvent e : batch.errors()) {
        writeError(g, e, smile);
      }
      g.writeEndArray();
      // Added within version 1: readers that predate them skip both (see the class comment).
      if (!batch.samples().isEmpty()) {
        writeTransactions(g, "samples", batch.samples(), smile);
      }
      if (!batch.orphanSpans().isEmpty()) {
        g.writeArrayPropertyStart("orphan_spans");
        for (OrphanSpan o : batch.orphanSpans()) {
          g.writeStartObject();
          g.writeStringProperty("trace_id", o.traceId());
          g.writeStringProperty("transaction_id", o.transactionId());
          g.writeStringProperty("started_at", Rfc3339.format(o.startedAt()));
          optional(g, "name", o.span().name());
          optional(g, "type", o.span().type());
          if (o.span().durationMs() != null) {
            g.writeNumberProperty("duration_ms", o.span().durationMs());
          }
          writeSpanLinks(g, o.span());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      if (!batch.metrics().isEmpty()) {
        g.writeArrayPropertyStart("transaction_metrics");
        for (TransactionMetric m : batch.metrics()) {
          writeMetric(g, m);
        }
        g.writeEndArray();
      }
      if (!batch.destinationMetrics().isEmpty()) {
        g.writeArrayPropertyStart("destination_metrics");
        for (DestinationMetric m : batch.destinationMetrics()) {
          writeDestinationMetric(g, m);
        }
        g.writeEndArray();
      }
      if (smile) {
        writeTransactions(g, "transactions", batch.transactions(), true); // last: see the class
      }
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private static void writeTransactions(
      JsonGenerator g, String name, List<TransactionEvent> transactions, boolean contextAsText) {
    g.writeArrayPropertyStart(name);
    for (TransactionEvent t : transactions) {
      writeTransaction(g, t, contextAsText);
    }
    g.writeEndArray();
  }

  private static void writeService(JsonGenerator g, ServiceInfo s) {
    g.writeObjectPropertyStart("service");
    g.writeStringProperty("name", s.name());
    g.writeStringProperty("environment", s.environment());
    optional(g, "version", s.version());
    optional(g, "agent_name", s.agentName());
    optional(g, "agent_version", s.agentVersion());
    optional(g, "language", s.language());
    optional(g, "host", s.host());
    g.writeEndObject();
  }

  private static void writeTransaction(JsonGenerator g, TransactionEvent t, boolean contextAsText) {
    g.writeStartObject();
    optional(g, "id", t.id());
    optional(g, "trace_id", t.traceId());
    optional(g, "parent_id", t.parentId());
    if (t.sampled() != null) {
      g.writeBooleanProperty("sampled", t.sampled());
    }
    g.writeStringProperty("name", t.name());
    g.writeStringProperty("type", t.type());
    g.writeStringProperty("timestamp", Rfc3339.format(t.timestamp()));
    g.writeNumberProperty("duration_ms", t.durationMs());
    optional(g, "result", t.result());
    optional(g, "outcome", t.outcome());
    if (!t.spans().isEmpty()) {
      g.writeArrayPropertyStart("spans");
      for (Span s : t.spans()) {
        g.writeStartObject();
        optional(g, "name", s.name());
        optional(g, "type", s.type());
        if (s.startMs() != null) {
          g.writeNumberProperty("start_ms", s.startMs());
        }
        if (s.durationMs() != null) {
          g.writeNumberProperty("duration_ms", s.durationMs());
        }
        writeSpanLinks(g, s);
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    context(g, t.contextJson(), contextAsText);
    g.writeEndObject();
  }

  /** A span's trace links, each only when known (added within version 1). */
  private static void writeSpanLinks(JsonGenerator g, Span s) {
    optional(g, "id", s.id());
    optional(g, "parent_id", s.parentId());
    optional(g, "destination", s.destination());
    optional(g, "outcome", s.outcome());
  }

  private static void writeMetric(JsonGenerator g, TransactionMetric m) {
    g.writeStartObject();
    g.writeStringProperty("name", m.name());
    g.writeStringProperty("type", m.type());
    writeAggregate(
        g, m.minute(), m.count(), m.failures(), m.sumMs(), m.minMs(), m.maxMs(), m.sketch());
    g.writeEndObject();
  }

  /** The fields transaction and destination metrics share, in one shape. */
  private static void writeAggregate(
      JsonGenerator g,
      Instant minute,
      long count,
      long failures,
      double sum,
      double min,
      double max,
      byte[] sketch) {
    g.writeStringProperty("minute", Rfc3339.format(minute));
    g.writeNumberProperty("count", count);
    g.writeNumberProperty("failures", failures);
    g.writeNumberProperty("sum_ms", sum);
    g.writeNumberProperty("min_ms", min);
    g.writeNumberProperty("max_ms", max);
    g.writeName("sketch");
    g.writeBinary(sketch);
  }

  private static void writeDestinationMetric(JsonGenerator g, DestinationMetric m) {
    g.writeStartObject();
    g.writeStringProperty("destination", m.destination());
    writeAggregate(
        g, m.minute(), m.count(), m.failures(), m.sumMs(), m.minMs(), m.maxMs(), m.sketch());
    g.writeEndObject();
  }

  private static void writeError(JsonGenerator g, ErrorEvent e, boolean contextAsText) {
    g.writeStartObject();
    optional(g, "id", e.id());
    g.writeStringProperty("timestamp", Rfc3339.format(e.timestamp()));
    optional(g, "transaction_id", e.transactionId());
    optional(g, "trace_id", e.traceId());
    optional(g, "parent_id", e.parentId());
    optional(g, "transaction_name", e.transactionName());
    optional(g, "level", e.level());
    optional(g, "culprit", e.culprit());
    g.writeName("exception");
    writeException(g, e.exception());
    if (e.fingerprint() != null) {
      g.writeArrayPropertyStart("fingerprint");
      for (String part : e.fingerprint()) {
        g.writeString(part);
      }
      g.writeEndArray();
    }
    context(g, e.contextJson(), contextAsText);
    g.writeEndObject();
  }

  /** One exception (with its causes) as JSON, in the same shape as inside a batch. */
  public static String exceptionJson(ExceptionInfo exception) {
    java.io.StringWriter out = new java.io.StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      writeException(g, exception);
    }
    return out.toString();
  }

  private static void writeException(JsonGenerator g, ExceptionInfo x) {
    g.writeStartObject();
    g.writeStringProperty("type", x.type());
    optional(g, "message", x.message());
    g.writeArrayPropertyStart("stacktrace");
    for (StackFrame f : x.stacktrace()) {
      g.writeStartObject();
      optional(g, "module", f.module());
      optional(g, "function", f.function());
      optional(g, "filename", f.filename());
      optional(g, "path", f.path());
      if (f.lineno() != null) {
        g.writeNumberProperty("lineno", f.lineno());
      }
      if (f.inApp() != null) {
        g.writeBooleanProperty("in_app", f.inApp());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    if (x.cause() != null) {
      g.writeName("cause");
      writeException(g, x.cause());
    }
    g.writeEndObject();
  }

  private static void optional(JsonGenerator g, String name, String value) {
    if (value != null) {
      g.writeStringProperty(name, value);
    }
  }

  /** A context: its JSON text as a string (version 2), or written in place (version 1). */
  private static void context(JsonGenerator g, String json, boolean asText) {
    if (json != null) {
      if (asText) {
        g.writeStringProperty("context", json);
      } else {
        g.writeName("context");
        g.writeRawValue(json);
      }
    }
  }

  /**
   * @throws IllegalArgumentException if {@code bytes} is not a batch of a version this reader
   *     understands, or lacks a required field
   */
  public static EventBatch decode(byte[] bytes) {
    return decode(bytes, Parts.ALL);
  }

  /**
   * What a reader needs from a batch: what it leaves out is skipped without being materialized (the
   * metrics pipeline reads no errors, spans or context; the errors pipeline no transactions).
   *
   * @param transactions the transactions (counted ones) are read
   * @param transactionDetails with their ids, spans and context (else timings only)
   * @param errors the errors are read
   * @param samples the samples and orphan spans are read in full
   * @param metrics the agents' aggregates are read
   * @param traceLinks the transactions' ids ({@code id}, {@code trace_id}, {@code parent_id}) are
   *     read even without their details, and so are the samples' (without spans or context) when
   *     the samples are not read in full: what tells a reader which transactions of a batch are
   *     kept in full already
   */
  public record Parts(
      boolean transactions,
      boolean transactionDetails,
      boolean errors,
      boolean samples,
      boolean metrics,
      boolean traceLinks) {
    public static final Parts ALL = new Parts(true, true, true, true, true);

    /** Parts without {@code traceLinks}. */
    public Parts(
        boolean transactions,
        boolean transactionDetails,
        boolean errors,
        boolean samples,
        boolean metrics) {
      this(transactions, transactionDetails, errors, samples, metrics, false);
    }

    /**
     * Transactions without their ids, spans and context, and the aggregates (transaction and
     * destination metrics): what the metrics pipeline reads, and what {@link EventTimings} carries.
     */
    public static final Parts TRANSACTION_TIMINGS = new Parts(true, false, false, false, true);

    public static final Parts ERRORS = new Parts(false, false, true, false, false);

    /** The sampled transactions in full, nothing else. */
    public static final Parts SAMPLES = new Parts(false, false, false, true, false);

    /**
     * The transactions with their ids and timings but no spans or context, and of the samples only
     * the same: which transactions of which traces a batch holds, and which of them it keeps in
     * full already (the tail pipeline). A record without transactions is not read at all.
     */
    public static final Parts TRACE_LINKS = new Parts(true, false, false, false, false, true);

    /**
     * Whether a record whose {@link #PARTS_HEADER} is {@code header} may hold any of these parts:
     * true unless the header says otherwise (no header, as on records written before it existed, or
     * one this reader does not understand, means it must decode to know).
     */
    public boolean mayBeIn(byte[] header) {
      if (header == null || header.length != 1 || (header[0] & ~0x0F) != 0) {
        return true;
      }
      int has = header[0];
      return (transactions && (has & HAS_TRANSACTIONS) != 0)
          || (errors && (has & HAS_ERRORS) != 0)
          || (samples && (has & HAS_SAMPLES) != 0)
          || (metrics && (has & HAS_METRICS) != 0);
    }
  }

  /** The {@link #PARTS_HEADER} value for {@code batch}. */
  public static byte[] partsHeader(EventBatch batch) {
    int has = 0;
    if (!batch.transactions().isEmpty()) {
      has |= HAS_TRANSACTIONS;
    }
    if (!batch.errors().isEmpty()) {
      has |= HAS_ERRORS;
    }
    if (!batch.samples().isEmpty() || !batch.orphanSpans().isEmpty()) {
      has |= HAS_SAMPLES;
    }
    if (!batch.metrics().isEmpty() || !batch.destinationMetrics().isEmpty()) {
      has |= HAS_METRICS;
    }
    return new byte[] {(byte) has};
  }

  /**
   * A batch as intake writes it to {@link Topics#EVENTS}: the JSON value and the headers derived
   * from it.
   *
   * @param parts the {@link #PARTS_HEADER} value
   * @param timings the {@link EventTimings#HEADER} value, or null when the batch has no timings
   * @param traceKeys the {@link TraceKeys#HEADER} value
   */
  public record Encoded(byte[] value, byte[] parts, byte[] timings, byte[] traceKeys) {
    /** The bytes the record's value and these headers take (their names excluded). */
    public int size() {
      return value.length
          + parts.length
          + (timings == null ? 0 : timings.length)
          + traceKeys.length;
    }
  }

  /** Encodes {@code batch} as intake writes it by default: a Smile value and its headers. */
  public static Encoded encodeRecord(EventBatch batch) {
    return encodeRecord(batch, Format.SMILE);
  }

  /** Encodes {@code batch} as intake writes it: the value in {@code format}, and its headers. */
  public static Encoded encodeRecord(EventBatch batch, Format format) {
    return new Encoded(
        encode(batch, format),
        partsHeader(batch),
        EventTimings.encode(batch),
        TraceKeys.encode(batch));
  }

  /** Whether {@code value} is Smile (its header), rather than JSON text. */
  static boolean isSmile(byte[] value) {
    return value.length >= 3 && value[0] == ':' && value[1] == ')' && value[2] == '\n';
  }

  /**
   * As {@link #decode(byte[], Parts)}, but for {@link Parts#TRANSACTION_TIMINGS} from the record's
   * {@link EventTimings#HEADER} when it has one ({@code timings} not null) and it can be read:
   * without tokenizing the spans and contexts in the value. A header that cannot be read is ignored
   * and the value decoded instead, so it never costs a record.
   */
  public static EventBatch decode(byte[] value, byte[] timings, Parts parts) {
    if (timings != null && parts.equals(Parts.TRANSACTION_TIMINGS)) {
      try {
        return EventTimings.decode(timings);
      } catch (IllegalArgumentException e) {
        // the value is the record of truth: read it below
      }
    }
    return decode(value, parts);
  }

  /**
   * Decodes only the given parts; the others come back as empty lists (transactions without details
   * have no spans and no context).
   */
  public static EventBatch decode(byte[] bytes, Parts parts) {
    try (JsonParser p =
        (isSmile(bytes) ? SMILE : JSON).createParser(ObjectReadContext.empty(), bytes)) {
      expect(p.nextToken(), JsonToken.START_OBJECT, "batch");
      Integer version = null;
      UUID batchId = null;
      UUID appId = null;
      Instant receivedAt = null;
      ServiceInfo service = null;
      List<TransactionEvent> transactions = List.of();
      List<ErrorEvent> errors = List.of();
      List<TransactionEvent> samples = List.of();
      List<TransactionMetric> metrics = List.of();
      List<OrphanSpan> orphans = List.of();
      List<DestinationMetric> destinations = List.of();
      fields:
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "v" -> version = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : null;
          case "batch_id" -> batchId = UUID.fromString(p.getString());
          case "app_id" -> appId = UUID.fromString(p.getString());
          case "received_at" -> receivedAt = instant(p.getString());
          case "service" -> service = readService(p);
          case "transactions" -> {
            if (!parts.transactions() && version != null && version == VERSION_2) {
              break fields; // the last field of version 2: nothing this reader wants follows
            } else if (!parts.transactions()) {
              p.skipChildren();
            } else if (parts.transactionDetails()) {
              transactions = readArray(p, q -> readTransaction(q, true, true));
            } else {
              transactions = readArray(p, q -> readTransaction(q, parts.traceLinks(), false));
            }
          }
          case "errors" -> {
            if (parts.errors()) {
              errors = readArray(p, EventBatchCodec::readError);
            } else {
              p.skipChildren();
            }
          }
          case "samples" -> {
            if (parts.samples()) {
              samples = readArray(p, q -> readTransaction(q, true, true));
            } else if (parts.traceLinks()) {
              samples = readArray(p, q -> readTransaction(q, true, false));
            } else {
              p.skipChildren();
            }
          }
          case "orphan_spans" -> {
            // Read with the samples: they join the samples' stored spans.
            if (parts.samples()) {
              orphans = readArray(p, EventBatchCodec::readOrphan);
            } else {
              p.skipChildren();
            }
          }
          case "transaction_metrics" -> {
            if (parts.metrics()) {
              metrics = readArray(p, EventBatchCodec::readMetric);
            } else {
              p.skipChildren();
            }
          }
          case "destination_metrics" -> {
            // Read with the transaction metrics: the metrics pipeline writes both.
            if (parts.metrics()) {
              destinations = readArray(p, EventBatchCodec::readDestinationMetric);
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      if (version == null || (version != VERSION && version != VERSION_2)) {
        throw new IllegalArgumentException("unsupported event batch version: " + version);
      }
      return new EventBatch(
          batchId,
          appId,
          receivedAt,
          service,
          transactions,
          errors,
          samples,
          metrics,
          orphans,
          destinations);
    } catch (JacksonException | DateTimeParseException | NullPointerException e) {
      throw new IllegalArgumentException("not a valid event batch: " + e.getMessage(), e);
    }
  }

  private static ServiceInfo readService(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "service");
    String name = null;
    String environment = null;
    String version = null;
    String agentName = null;
    String agentVersion = null;
    String language = null;
    String host = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "name" -> name = p.getString();
        case "environment" -> environment = p.getString();
        case "version" -> version = p.getString();
        case "agent_name" -> agentName = p.getString();
        case "agent_version" -> agentVersion = p.getString();
        case "language" -> language = p.getString();
        case "host" -> host = p.getString();
        default -> p.skipChildren();
      }
    }
    return new ServiceInfo(name, environment, version, agentName, agentVersion, language, host);
  }

  /**
   * @param ids whether the trace links ({@code id}, {@code trace_id}, {@code parent_id}, {@code
   *     sampled}) are read
   * @param details whether the spans and context are read
   */
  private static TransactionEvent readTransaction(JsonParser p, boolean ids, boolean details) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "transaction");
    String id = null;
    String traceId = null;
    String name = null;
    String type = null;
    Instant timestamp = null;
    double duration = Double.NaN;
    String result = null;
    String outcome = null;
    List<Span> spans = List.of();
    String context = null;
    String parentId = null;
    Boolean sampled = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        // Identifiers only matter for samples and traces: timings skip them.
        case "id" -> id = ids ? p.getString() : null;
        case "trace_id" -> traceId = ids ? p.getString() : null;
        case "parent_id" -> parentId = ids ? p.getString() : null;
        case "sampled" -> sampled = ids ? p.getBooleanValue() : null;
        case "name" -> name = p.getString();
        case "type" -> type = p.getString();
        case "timestamp" -> timestamp = instant(p.getString());
        case "duration_ms" -> duration = p.getDoubleValue();
        case "result" -> result = p.getString();
        case "outcome" -> outcome = p.getString();
        case "spans" -> {
          if (details) {
            spans = readArray(p, EventBatchCodec::readSpan);
          } else {
            p.skipChildren();
          }
        }
        case "context" -> {
          if (details) {
            context = copy(p);
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    if (Double.isNaN(duration)) {
      throw new IllegalArgumentException("transaction without duration_ms");
    }
    return new TransactionEvent(
        id, traceId, name, type, timestamp, duration, result, outcome, spans, context, parentId,
        sampled);
  }

  /** The fields transaction and destination metrics share, as read. */
  private static final class Aggregate {
    Instant minute;
    long count = -1;
    long failures;
    double sum;
    double min;
    double max;
    byte[] sketch;

    /** Reads {@code field} if it is one of the shared ones; false otherwise. */
    boolean read(String field, JsonParser p) {
      switch (field) {
        case "minute" -> minute = instant(p.getString());
        case "count" -> count = p.getLongValue();
        case "failures" -> failures = p.getLongValue();
        case "sum_ms" -> sum = p.getDoubleValue();
        case "min_ms" -> min = p.getDoubleValue();
        case "max_ms" -> max = p.getDoubleValue();
        case "sketch" -> sketch = p.getBinaryValue();
        default -> {
          return false;
        }
      }
      return true;
    }

    void requireCount(String what) {
      if (count < 0) {
        throw new IllegalArgumentException(what + " without count");
      }
    }
  }

  private static TransactionMetric readMetric(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "transaction metric");
    String name = null;
    String type = null;
    Aggregate a = new Aggregate();
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "name" -> name = p.getString();
        case "type" -> type = p.getString();
        default -> {
          if (!a.read(field, p)) {
            p.skipChildren();
          }
        }
      }
    }
    a.requireCount("transaction metric");
    return new TransactionMetric(
        name, type, a.minute, a.count, a.failures, a.sum, a.min, a.max, a.sketch);
  }

  private static DestinationMetric readDestinationMetric(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "destination metric");
    String destination = null;
    Aggregate a = new Aggregate();
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      if (field.equals("destination")) {
        destination = p.getString();
      } else if (!a.read(field, p)) {
        p.skipChildren();
      }
    }
    a.requireCount("destination metric");
    return new DestinationMetric(
        destination, a.minute, a.count, a.failures, a.sum, a.min, a.max, a.sketch);
  }

  private static Span readSpan(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "span");
    String name = null;
    String type = null;
    Double start = null;
    Double duration = null;
    String id = null;
    String parentId = null;
    String destination = null;
    String outcome = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "name" -> name = p.getString();
        case "type" -> type = p.getString();
        case "start_ms" -> start = p.getDoubleValue();
        case "duration_ms" -> duration = p.getDoubleValue();
        case "id" -> id = p.getString();
        case "parent_id" -> parentId = p.getString();
        case "destination" -> destination = p.getString();
        case "outcome" -> outcome = p.getString();
        default -> p.skipChildren();
      }
    }
    return new Span(name, type, start, duration, id, parentId, destination, outcome);
  }

  private static OrphanSpan readOrphan(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "orphan span");
    String traceId = null;
    String transactionId = null;
    Instant startedAt = null;
    String name = null;
    String type = null;
    Double duration = null;
    String id = null;
    String parentId = null;
    String destination = null;
    String outcome = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "trace_id" -> traceId = p.getString();
        case "transaction_id" -> transactionId = p.getString();
        case "started_at" -> startedAt = instant(p.getString());
        case "name" -> name = p.getString();
        case "type" -> type = p.getString();
        case "duration_ms" -> duration = p.getDoubleValue();
        case "id" -> id = p.getString();
        case "parent_id" -> parentId = p.getString();
        case "destination" -> destination = p.getString();
        case "outcome" -> outcome = p.getString();
        default -> p.skipChildren();
      }
    }
    return new OrphanSpan(
        traceId,
        transactionId,
        startedAt,
        new Span(name, type, null, duration, id, parentId, destination, outcome));
  }

  private static ErrorEvent readError(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "error");
    String id = null;
    Instant timestamp = null;
    String transactionId = null;
    String transactionName = null;
    String level = null;
    String culprit = null;
    ExceptionInfo exception = null;
    List<String> fingerprint = null;
    String context = null;
    String traceId = null;
    String parentId = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "id" -> id = p.getString();
        case "timestamp" -> timestamp = instant(p.getString());
        case "transaction_id" -> transactionId = p.getString();
        case "trace_id" -> traceId = p.getString();
        case "parent_id" -> parentId = p.getString();
        case "transaction_name" -> transactionName = p.getString();
        case "level" -> level = p.getString();
        case "culprit" -> culprit = p.getString();
        case "exception" -> exception = readException(p);
        case "fingerprint" -> fingerprint = readArray(p, JsonParser::getString);
        case "context" -> context = copy(p);
        default -> p.skipChildren();
      }
    }
    return new ErrorEvent(
        id,
        timestamp,
        transactionId,
        transactionName,
        level,
        culprit,
        exception,
        fingerprint,
        context,
        traceId,
        parentId);
  }

  private static ExceptionInfo readException(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "exception");
    String type = null;
    String message = null;
    List<StackFrame> frames = List.of();
    ExceptionInfo cause = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "type" -> type = p.getString();
        case "message" -> message = p.getString();
        case "stacktrace" -> frames = readArray(p, EventBatchCodec::readFrame);
        case "cause" -> cause = t == JsonToken.VALUE_NULL ? null : readException(p);
        default -> p.skipChildren();
      }
    }
    return new ExceptionInfo(type, message, frames, cause);
  }

  private static StackFrame readFrame(JsonParser p) {
    expect(p.currentToken(), JsonToken.START_OBJECT, "frame");
    String module = null;
    String function = null;
    String filename = null;
    String path = null;
    Integer lineno = null;
    Boolean inApp = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "module" -> module = p.getString();
        case "function" -> function = p.getString();
        case "filename" -> filename = p.getString();
        case "path" -> path = p.getString();
        case "lineno" -> lineno = p.getIntValue();
        case "in_app" -> inApp = p.getBooleanValue();
        default -> p.skipChildren();
      }
    }
    return new StackFrame(module, function, filename, path, lineno, inApp);
  }

  /** Timestamps as this codec writes them, on the fast path; anything else the JDK's way. */
  private static Instant instant(String text) {
    Instant fast = Rfc3339.parse(text);
    return fast != null ? fast : Instant.parse(text);
  }

  private interface Reader<T> {
    T read(JsonParser p);
  }

  private static <T> List<T> readArray(JsonParser p, Reader<T> element) {
    expect(p.currentToken(), JsonToken.START_ARRAY, "array");
    List<T> items = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      items.add(element.read(p));
    }
    return items;
  }

  /** A context as JSON text: a string in version 2, the value itself in version 1. */
  private static String copy(JsonParser p) {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    if (p.currentToken() == JsonToken.VALUE_STRING) {
      return p.getString();
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.copyCurrentStructure(p);
    }
    return out.toString();
  }

  private static void expect(JsonToken actual, JsonToken expected, String what) {
    if (actual != expected) {
      throw new IllegalArgumentException(what + ": expected " + expected + ", got " + actual);
    }
  }
}
