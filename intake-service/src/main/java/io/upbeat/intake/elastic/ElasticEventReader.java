package io.upbeat.intake.elastic;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.Span;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TraceIds;
import io.upbeat.events.TransactionEvent;
import io.upbeat.intake.destinations.ExitSpans;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.BodyTooLargeException;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.MalformedTextException;
import io.upbeat.intake.validate.ServiceName;
import io.upbeat.intake.validate.Utf8CheckingInputStream;
import io.upbeat.support.web.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an Elastic APM intake v2 stream (ND-JSON: a {@code metadata} line, then one event per line)
 * and maps it to Upbeat's canonical events, line by line as the bytes arrive. Transactions, spans
 * and errors are taken; {@code metricset} and {@code log} lines are ignored; a line that does not
 * map is skipped and counted. Spans join their transaction within the request.
 *
 * <p>Only the stream as a whole can be refused: without usable metadata (400), or over intake's
 * body size or event count (413). Thread-safe; one instance serves every request.
 */
final class ElasticEventReader {
  /** One event line at most; a larger one is skipped ({@link Skip#EVENT_TOO_LARGE}). */
  static final int MAX_LINE_BYTES = 1024 * 1024;

  /**
   * Transactions without a trace id kept in full per name and request, with their spans, as
   * examples; those with one are kept by {@link TraceSampler}.
   */
  static final int SAMPLES_PER_NAME = 3;

  private static final int MAX_DESTINATION_CHARS = 256;

  private static final int MAX_NAME_CHARS = 1024;
  private static final int MAX_TYPE_CHARS = 64;

  private final JsonMapper json =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private final IntakeLimits limits;
  private final TraceSampler sampler;

  ElasticEventReader(IntakeLimits limits) {
    this(limits, TraceSampler.DEFAULT);
  }

  ElasticEventReader(IntakeLimits limits, TraceSampler sampler) {
    this.limits = limits;
    this.sampler = sampler;
  }

  /**
   * Reads {@code body} (decoded; a {@link BodyTooLargeException} from it, or a byte that is not
   * well-formed UTF-8, refuses the stream) for {@code app}; {@code now} judges timestamps and
   * stands in for missing ones.
   */
  ElasticOutcome read(InputStream body, UUID app, UUID batchId, Instant now) throws IOException {
    try {
      return new Run(now).read(new Utf8CheckingInputStream(body), app, batchId);
    } catch (MalformedTextException e) {
      return new ElasticOutcome.Refused(ErrorCode.INVALID_JSON, e.answer());
    } catch (BodyTooLargeException e) {
      return new ElasticOutcome.Refused(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "The request body is larger than " + limits.maxBodyBytes() + " bytes.");
    } catch (TooManyEvents e) {
      return new ElasticOutcome.Refused(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "The request has more than " + limits.maxEvents() + " events.");
    }
  }

  /** A transaction read from its line, waiting for the end of the stream to collect its spans. */
  private record PendingTransaction(TransactionEvent event, long startMicros) {}

  /** A span read from its line, waiting for its transaction. */
  private record PendingSpan(
      String name,
      String type,
      long startMicros,
      Double relativeStartMs,
      double durationMs,
      String id,
      String parentId,
      String destination,
      String outcome) {}

  /** One request's reading state. */
  private final class Run {
    private final Instant now;
    private final Instant oldest;
    private final Instant newest;
    private final long nowMicros;
    private final Map<Skip, Integer> skipped = new EnumMap<>(Skip.class);
    private final List<PendingTransaction> transactions = new ArrayList<>();
    private final Map<String, List<PendingSpan>> spansByTransaction = new HashMap<>();
    private final List<ErrorEvent> errors = new ArrayList<>();

    /** The exit spans of the request, counted per destination and minute. */
    private final ExitSpans exits = new ExitSpans();

    private int events;

    Run(Instant now) {
      this.now = now;
      this.oldest = now.minus(limits.maxAge());
      this.newest = now.plus(limits.maxFuture());
      this.nowMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    ElasticOutcome read(InputStream body, UUID app, UUID batchId) throws IOException {
      NdJsonLines lines = new NdJsonLines(body, MAX_LINE_BYTES);
      ServiceInfo service = null;
      boolean sawLine = false;
      while (lines.next()) {
        if (lines.blank()) {
          continue;
        }
        if (!sawLine) {
          sawLine = true;
          ServiceInfo s = lines.tooLong() ? null : metadata(parse(lines));
          if (s == null) {
            return new ElasticOutcome.Refused(
                ErrorCode.INVALID_PAYLOAD,
                "The first line must be a metadata object with a valid service.name.");
          }
          service = s;
          continue;
        }
        if (lines.tooLong()) {
          skip(Skip.EVENT_TOO_LARGE);
          continue;
        }
        event(parse(lines));
      }
      if (service == null) {
        return new ElasticOutcome.Refused(
            ErrorCode.INVALID_JSON, "The request body is empty; send the metadata line first.");
      }
      List<TransactionEvent> counted = new ArrayList<>(transactions.size());
      List<TransactionEvent> samples = new ArrayList<>();
      TraceSampler.Choice choice = sampler.perRequest(SAMPLES_PER_NAME);
      for (PendingTransaction t : transactions) {
        TransactionEvent event = withSpans(t);
        counted.add(event);
        if (choice.keeps(event)) {
          samples.add(event);
        }
      }
      for (List<PendingSpan> orphans : spansByTransaction.values()) {
        skip(Skip.SPAN_WITHOUT_TRANSACTION, orphans.size());
        countExits(orphans);
      }
      EventBatch batch =
          new EventBatch(
              batchId,
              app,
              now,
              service,
              counted,
              errors,
              samples,
              List.of(),
              List.of(),
              exits.metrics());
      return new ElasticOutcome.Read(batch, skipped);
    }

    /** The line as a JSON object, or null (skipped as invalid JSON). */
    private JsonNode parse(NdJsonLines lines) {
      try {
        JsonNode node = json.readTree(lines.bytes(), 0, lines.length());
        if (node != null && node.isObject()) {
          return node;
        }
      } catch (JacksonException e) {
        // Falls through: counted below.
      }
      return null;
    }

    private void event(JsonNode line) {
      if (line == null) {
        skip(Skip.INVALID_JSON);
        return;
      }
      if (line.size() != 1) {
        skip(Skip.UNKNOWN_TYPE);
        return;
      }
      Map.Entry<String, JsonNode> entry = line.properties().iterator().next();
      JsonNode value = entry.getValue();
      switch (entry.getKey()) {
        case "transaction" -> {
          count();
          transaction(value);
        }
        case "span" -> span(value);
        case "error" -> {
          count();
          error(value);
        }
        case "metricset" -> skip(Skip.METRICSET);
        case "log" -> skip(Skip.LOG);
        default -> skip(Skip.UNKNOWN_TYPE);
      }
    }

    private void count() {
      if (++events > limits.maxEvents()) {
        throw new TooManyEvents();
      }
    }

    private void skip(Skip reason) {
      skip(reason, 1);
    }

    private void skip(Skip reason, int n) {
      skipped.merge(reason, n, Integer::sum);
    }

    /** The metadata line's service, or null if it has none usable. */
    private ServiceInfo metadata(JsonNode line) {
      JsonNode metadata = line == null ? null : line.get("metadata");
      if (metadata == null || !metadata.isObject()) {
        return null;
      }
      JsonNode service = metadata.path("service");
      String name = text(service.get("name"), 100);
      if (name == null || !ServiceName.isValid(name)) {
        return null;
      }
      String environment = text(service.get("environment"), 100);
      String language = text(service.path("language").get("name"), 100);
      JsonNode system = metadata.path("system");
      String host = text(system.get("configured_hostname"), 255);
      if (host == null) {
        host = text(system.get("hostname"), 255);
      }
      if (host == null) {
        host = text(system.get("detected_hostname"), 255);
      }
      return new ServiceInfo(
          name,
          environment == null || environment.isEmpty() ? null : environment,
          text(service.get("version"), 200),
          text(service.path("agent").get("name"), 100),
          text(service.path("agent").get("version"), 100),
          language == null ? null : language.toLowerCase(Locale.ROOT),
          host);
    }

    private void transaction(JsonNode t) {
      if (!t.isObject()) {
        skip(Skip.INVALID_EVENT);
        return;
      }
      String name = text(t.get("name"), MAX_NAME_CHARS);
      String type = text(t.get("type"), MAX_TYPE_CHARS);
      Double duration = number(t.get("duration"));
      if (name == null
          || name.isEmpty()
          || type == null
          || type.isEmpty()
          || duration == null
          || duration > 86_400_000) {
        skip(Skip.INVALID_EVENT);
        return;
      }
      JsonNode timestamp = t.get("timestamp");
      Long micros = absent(timestamp) ? Long.valueOf(nowMicros) : micros(timestamp);
      if (micros == null) {
        skip(Skip.INVALID_EVENT);
        return;
      }
      Instant at = instant(micros);
      if (at.isBefore(oldest) || at.isAfter(newest)) {
        skip(Skip.TIMESTAMP_OUT_OF_RANGE);
        return;
      }
      JsonNode sampled = t.get("sampled");
      TransactionEvent event =
          new TransactionEvent(
              id(t.get("id")),
              id(t.get("trace_id")),
              name,
              type,
              at,
              duration,
              text(t.get("result"), limits.maxStringChars()),
              text(t.get("outcome"), limits.maxStringChars()),
              List.of(),
              context(t.get("context")),
              id(t.get("parent_id")),
              sampled != null && sampled.isBoolean() ? sampled.booleanValue() : null);
      transactions.add(new PendingTransaction(event, micros));
    }

    private void span(JsonNode s) {
      String transactionId = s.isObject() ? text(s.get("transaction_id"), 200) : null;
      Double duration = s.isObject() ? number(s.get("duration")) : null;
      if (transactionId == null || duration == null) {
        skip(Skip.INVALID_EVENT);
        return;
      }
      // Agents send the absolute timestamp; older ones a start relative to the transaction.
      Long micros = micros(s.get("timestamp"));
      Double relative = number(s.get("start"));
      if (micros == null && relative == null) {
        skip(Skip.INVALID_EVENT);
        return;
      }
      String kind = text(s.get("type"), MAX_TYPE_CHARS);
      String subtype = text(s.get("subtype"), MAX_TYPE_CHARS);
      String action = text(s.get("action"), MAX_TYPE_CHARS);
      String type = kind;
      if (kind != null && subtype != null) {
        type =
            truncate(kind + "." + subtype + (action == null ? "" : "." + action), MAX_TYPE_CHARS);
      }
      spansByTransaction
          .computeIfAbsent(transactionId, k -> new ArrayList<>())
          .add(
              new PendingSpan(
                  text(s.get("name"), MAX_NAME_CHARS),
                  type,
                  micros == null ? 0 : micros,
                  relative,
                  Math.min(duration, 86_400_000),
                  id(s.get("id")),
                  id(s.get("parent_id")),
                  destination(s.path("context"), kind, subtype),
                  outcome(s.get("outcome"))));
    }

    /**
     * Counts the exit spans whose transaction is not in the request: an agent reports a span when
     * it ends, before its transaction, which may go in the next request, whose count would lack
     * them. Only those with their own timestamp, within the accepted window.
     */
    private void countExits(List<PendingSpan> spans) {
      for (PendingSpan s : spans) {
        if (s.destination() == null || s.relativeStartMs() != null) {
          continue;
        }
        Instant at = instant(s.startMicros());
        if (!at.isBefore(oldest) && !at.isAfter(newest)) {
          exits.add(
              s.destination(), Math.floorDiv(s.startMicros(), 1000), s.durationMs(), s.outcome());
        }
      }
    }

    /** The transaction with the spans of the request that name it, in start order. */
    private TransactionEvent withSpans(PendingTransaction p) {
      TransactionEvent t = p.event();
      List<PendingSpan> pending = t.id() == null ? null : spansByTransaction.remove(t.id());
      if (pending == null) {
        return t;
      }
      List<Span> spans = new ArrayList<>(Math.min(pending.size(), limits.maxSpans()));
      for (PendingSpan s : pending) {
        double start =
            s.relativeStartMs() != null
                ? s.relativeStartMs()
                : (s.startMicros() - p.startMicros()) / 1000.0;
        // Every exit span of a counted transaction, also those beyond the spans a sample keeps.
        exits.add(
            s.destination(),
            Math.floorDiv(p.startMicros(), 1000) + (long) Math.floor(start),
            s.durationMs(),
            s.outcome());
        spans.add(
            new Span(
                s.name(),
                s.type(),
                Math.min(Math.max(0, start), 86_400_000),
                s.durationMs(),
                s.id(),
                s.parentId(),
                s.destination(),
                s.outcome()));
      }
      spans.sort(Comparator.comparingDouble(Span::startMs));
      if (spans.size() > limits.maxSpans()) {
        skip(Skip.TOO_MANY_SPANS, spans.size() - limits.maxSpans());
        spans = spans.subList(0, limits.maxSpans());
      }
      return t.withText(t.name(), spans, t.contextJson());
    }

    private void error(JsonNode e) {
      if (!e.isObject()) {
        skip(Skip.INVALID_EVENT);
        return;
      }
      JsonNode exceptionNode = e.get("exception");
      JsonNode log = e.path("log");
      ExceptionInfo exception;
      String level = null;
      if (exceptionNode != null && exceptionNode.isObject()) {
        exception = exception(exceptionNode, 0);
      } else {
        exception = logException(log);
      }
      if (log.isObject()) {
        level = text(log.get("level"), 64);
      }
      if (exception == null) {
        skip(Skip.INVALID_EVENT);
        return;
      }
      Instant at = now;
      JsonNode timestamp = e.get("timestamp");
      if (!absent(timestamp)) {
        Long micros = micros(timestamp);
        if (micros == null) {
          skip(Skip.INVALID_EVENT);
          return;
        }
        at = instant(micros);
      }
      if (at.isBefore(oldest) || at.isAfter(newest)) {
        skip(Skip.TIMESTAMP_OUT_OF_RANGE);
        return;
      }
      errors.add(
          new ErrorEvent(
              text(e.get("id"), limits.maxStringChars()),
              at,
              id(e.get("transaction_id")),
              text(e.path("transaction").get("name"), MAX_NAME_CHARS),
              level == null ? "error" : level,
              text(e.get("culprit"), limits.maxStringChars()),
              exception,
              null,
              context(
                  e.get("context") instanceof tools.jackson.databind.node.ObjectNode c
                      ? ElasticContext.canonical(c)
                      : null),
              id(e.get("trace_id")),
              id(e.get("parent_id"))));
    }

    /**
     * An {@code exception} with its frames and causes. Elastic's {@code cause} is an array (an
     * exception may have several); the canonical chain takes the first, as Java has one.
     */
    private ExceptionInfo exception(JsonNode x, int depth) {
      String type = text(x.get("type"), MAX_NAME_CHARS);
      String message = text(x.get("message"), limits.maxStringChars());
      if (type == null || type.isEmpty()) {
        if (message == null) {
          return null;
        }
        type = "Error";
      }
      ExceptionInfo cause = null;
      JsonNode causes = x.get("cause");
      if (depth < limits.maxCauseDepth() && causes != null) {
        JsonNode first = causes.isArray() && !causes.isEmpty() ? causes.get(0) : causes;
        if (first.isObject()) {
          cause = exception(first, depth + 1);
        }
      }
      return new ExceptionInfo(type, message, frames(x.get("stacktrace")), cause);
    }

    /** An error that is a logged message, not an exception: the logger stands in for the type. */
    private ExceptionInfo logException(JsonNode log) {
      if (!log.isObject()) {
        return null;
      }
      String message = text(log.get("message"), limits.maxStringChars());
      if (message == null) {
        return null;
      }
      String logger = text(log.get("logger_name"), MAX_NAME_CHARS);
      return new ExceptionInfo(
          logger == null || logger.isEmpty() ? "log" : logger,
          message,
          frames(log.get("stacktrace")),
          null);
    }

    /**
     * Elastic frames to canonical ones: {@code classname} is the module, {@code library_frame} the
     * opposite of in-app, and the path is the class's package plus the file name, as Upbeat's own
     * agent sends it, so auto-assignment matches repository files.
     */
    private List<StackFrame> frames(JsonNode stacktrace) {
      if (stacktrace == null || !stacktrace.isArray()) {
        return List.of();
      }
      List<StackFrame> frames = new ArrayList<>(Math.min(stacktrace.size(), limits.maxFrames()));
      for (Iterator<JsonNode> it = stacktrace.iterator();
          it.hasNext() && frames.size() < limits.maxFrames(); ) {
        JsonNode f = it.next();
        if (!f.isObject()) {
          continue;
        }
        String classname = text(f.get("classname"), limits.maxStringChars());
        String module =
            classname != null ? classname : text(f.get("module"), limits.maxStringChars());
        String filename = text(f.get("filename"), limits.maxStringChars());
        JsonNode line = f.get("lineno");
        Integer lineno =
            line != null && line.isIntegralNumber() && line.canConvertToInt() && line.intValue() > 0
                ? line.intValue()
                : null;
        JsonNode library = f.get("library_frame");
        Boolean inApp = library != null && library.isBoolean() ? !library.booleanValue() : null;
        frames.add(
            new StackFrame(
                module,
                text(f.get("function"), limits.maxStringChars()),
                filename,
                path(classname, filename),
                lineno,
                inApp));
      }
      return frames;
    }

    /** The {@code context} object as compact JSON, left out when over the size limit. */
    private String context(JsonNode context) {
      if (context == null || !context.isObject()) {
        return null;
      }
      byte[] bytes = json.writeValueAsBytes(context);
      return bytes.length > limits.maxContextBytes()
          ? null
          : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** An id linking a trace's parts, or null when absent or not one ({@link TraceIds}). */
    private String id(JsonNode node) {
      return node != null && node.isString() ? TraceIds.orNull(node.stringValue()) : null;
    }

    /**
     * Where an exit span went: {@code context.destination}'s {@code address:port} (the address
     * alone without a port), else {@code context.service.target}'s name or type; for a database
     * span, the database system ({@code service.target.type}, else the subtype), as OpenTelemetry
     * spans give it.
     */
    private String destination(JsonNode context, String kind, String subtype) {
      JsonNode target = context.path("service").path("target");
      if (kind != null && (kind.equals("db") || kind.startsWith("db."))) {
        // Agents send the subtype apart, or the whole type dotted ("db.postgresql.query").
        String system = nonEmpty(text(target.get("type"), MAX_DESTINATION_CHARS));
        if (system == null && subtype == null && kind.length() > 3) {
          int dot = kind.indexOf('.', 3);
          subtype = dot < 0 ? kind.substring(3) : kind.substring(3, dot);
        }
        return system != null ? system : nonEmpty(subtype);
      }
      JsonNode destination = context.path("destination");
      String address = text(destination.get("address"), MAX_DESTINATION_CHARS);
      if (address != null && !address.isEmpty()) {
        JsonNode port = destination.get("port");
        return port != null && port.isIntegralNumber() && port.canConvertToInt()
            ? truncate(address + ":" + port.intValue(), MAX_DESTINATION_CHARS)
            : address;
      }
      String name = nonEmpty(text(target.get("name"), MAX_DESTINATION_CHARS));
      return name != null ? name : nonEmpty(text(target.get("type"), MAX_DESTINATION_CHARS));
    }

    /** A string value, cut at {@code maxChars}; null for anything else. */
    private String text(JsonNode node, int maxChars) {
      return node != null && node.isString()
          ? truncate(node.stringValue(), Math.min(maxChars, limits.maxStringChars()))
          : null;
    }
  }

  /**
   * {@code com.shop.UserService$1} + {@code UserService.java} -> {@code com/shop/UserService.java};
   * without a class (other languages' agents), the file name when it is already a path.
   */
  static String path(String className, String fileName) {
    if (fileName == null || fileName.isEmpty()) {
      return null;
    }
    if (className == null) {
      return fileName.indexOf('/') >= 0 ? fileName : null;
    }
    int dot = className.lastIndexOf('.');
    return dot < 0 ? fileName : className.substring(0, dot).replace('.', '/') + "/" + fileName;
  }

  /** Missing, or null: the agent left it to the server (APM Server uses the time of receipt). */
  private static boolean absent(JsonNode node) {
    return node == null || node.isNull();
  }

  /** Epoch microseconds (a JSON integer, or a number that holds one); null otherwise. */
  private static Long micros(JsonNode node) {
    if (node == null || !node.isNumber() || !node.canConvertToLong()) {
      return null;
    }
    return node.isIntegralNumber() ? node.longValue() : (long) Math.floor(node.doubleValue());
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  /** A finite number >= 0, or null. */
  private static Double number(JsonNode node) {
    if (node == null || !node.isNumber()) {
      return null;
    }
    double v = node.doubleValue();
    return Double.isFinite(v) && v >= 0 ? v : null;
  }

  private static String nonEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** Elastic's span outcome, when it is one of Upbeat's. */
  private static String outcome(JsonNode node) {
    if (node == null || !node.isString()) {
      return null;
    }
    return switch (node.stringValue()) {
      case "success", "failure", "unknown" -> node.stringValue();
      default -> null;
    };
  }

  private static String truncate(String s, int maxChars) {
    return s.length() <= maxChars ? s : s.substring(0, maxChars);
  }

  /** Stops reading as soon as the event count passes the limit. */
  private static final class TooManyEvents extends RuntimeException {
    TooManyEvents() {
      super(null, null, false, false);
    }
  }
}
