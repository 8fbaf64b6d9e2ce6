package io.upbeat.intake.validate;

import io.upbeat.events.DestinationMetric;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.Rfc3339;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.Span;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TraceIds;
import io.upbeat.events.TransactionEvent;
import io.upbeat.events.TransactionMetric;
import io.upbeat.intake.destinations.ExitSpans;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.metrics.LatencySketch;
import io.upbeat.support.web.ErrorBody;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads and validates an intake request body in one streaming pass (no document tree), and turns it
 * into the canonical {@link EventBatch}. Strict JSON: duplicate keys, trailing data, comments and
 * NaN are refused; types are never coerced. Unknown fields are skipped. Problems are collected with
 * their JSON paths, up to 50, and nothing is produced unless the whole body is valid.
 *
 * <p>Thread-safe; one instance serves every request.
 */
public final class PayloadParser {
  private static final int MAX_FINGERPRINT_PARTS = 64;

  /** An agent's sketch of one minute, base64: thousands of bins fit with room to spare. */
  private static final int MAX_SKETCH_CHARS = 65_536;

  /** Transactions in one aggregate: a billion a minute is far beyond any one process. */
  private static final long MAX_AGGREGATE_COUNT = 1_000_000_000L;

  private final JsonFactory json =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Writes contexts back to back with nothing between them (see {@link Run#context}). */
  private final JsonFactory contextJson =
      JsonFactory.builder().rootValueSeparator((String) null).build();

  /**
   * A span's destination, and a destination metric's: {@code host:port}, or a database system. One
   * limit for both, so an agent that counts the destinations its spans name (cut to this length)
   * never has a batch refused for one.
   */
  private static final int MAX_DESTINATION_CHARS = 256;

  private final IntakeLimits limits;
  private final TraceSampler sampler;

  /** A parser that keeps the default share of traces ({@link TraceSampler#DEFAULT}). */
  public PayloadParser(IntakeLimits limits) {
    this(limits, TraceSampler.DEFAULT);
  }

  /**
   * @param sampler which full transactions (not an aggregating agent's samples) are also sent in
   *     full as samples
   */
  public PayloadParser(IntakeLimits limits, TraceSampler sampler) {
    this.limits = limits;
    this.sampler = sampler;
  }

  /**
   * Parses {@code body} for {@code appId}; {@code now} judges the events' timestamps.
   *
   * @param body the decompressed body; a {@link BodyTooLargeException} from it becomes {@link
   *     ParseOutcome.TooLarge}, and bytes that are not well-formed UTF-8 {@link
   *     ParseOutcome.InvalidJson}
   */
  public ParseOutcome parse(InputStream body, UUID appId, UUID batchId, Instant now) {
    Run run = new Run(now);
    try (run;
        JsonParser p =
            json.createParser(ObjectReadContext.empty(), new Utf8CheckingInputStream(body))) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return new ParseOutcome.InvalidJson("The request body is empty.");
      }
      EventBatch batch = run.root(p, appId, batchId);
      if (p.nextToken() != null) {
        return new ParseOutcome.InvalidJson("The request body has data after the JSON value.");
      }
      if (run.problems.isEmpty()) {
        return new ParseOutcome.Valid(batch, run.transactionsRead, run.destinationMetricsRead);
      }
      return new ParseOutcome.InvalidPayload(List.copyOf(run.problems));
    } catch (TooManyEvents e) {
      return new ParseOutcome.TooLarge(
          "The request has more than " + limits.maxEvents() + " events.");
    } catch (EnoughProblems e) {
      return new ParseOutcome.InvalidPayload(List.copyOf(run.problems));
    } catch (JacksonException e) {
      MalformedTextException malformed = MalformedTextException.in(e);
      if (malformed != null) {
        return new ParseOutcome.InvalidJson(malformed.answer());
      }
      if (BodyTooLargeException.isCause(e)) {
        return new ParseOutcome.TooLarge(
            "The request body is larger than " + limits.maxBodyBytes() + " bytes.");
      }
      return new ParseOutcome.InvalidJson("The request body is not valid JSON.");
    }
  }

  /** One request's parsing state. */
  private final class Run implements AutoCloseable {
    private final Instant now;
    private final Instant oldest;
    private final Instant newest;
    private final List<ErrorBody.Detail> problems = new ArrayList<>();
    private int events;
    private int transactionsRead;
    private int destinationMetricsRead;

    /** The exit spans of the transactions counted here (not an aggregating agent's samples). */
    private final ExitSpans exits = new ExitSpans();

    /**
     * Every {@code context} of the request is copied through this one writer, value after value,
     * rather than a writer made and closed per event (a fifth of the copy's cost).
     */
    private JsonGenerator contextWriter;

    private ByteArrayOutputStream contextOut;

    Run(Instant now) {
      this.now = now;
      this.oldest = now.minus(limits.maxAge());
      this.newest = now.plus(limits.maxFuture());
    }

    void problem(JsonPath path, String problem) {
      problems.add(new ErrorBody.Detail(path.toString(), problem));
      if (problems.size() >= ErrorBody.MAX_DETAILS) {
        throw new EnoughProblems();
      }
    }

    EventBatch root(JsonParser p, UUID appId, UUID batchId) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        problem(JsonPath.ROOT, "must be an object");
        return null;
      }
      ServiceInfo service = null;
      boolean sawService = false;
      List<TransactionEvent> transactions = new ArrayList<>();
      List<ErrorEvent> errors = new ArrayList<>();
      List<TransactionEvent> samples = new ArrayList<>();
      List<TransactionMetric> metrics = new ArrayList<>();
      List<DestinationMetric> destinations = new ArrayList<>();
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "service" -> {
            sawService = true;
            service = service(p, JsonPath.ROOT.field("service"));
          }
          case "transactions" ->
              array(
                  p,
                  JsonPath.ROOT.field("transactions"),
                  (q, path) -> {
                    count();
                    boolean[] aggregated = {false};
                    TransactionEvent t = transaction(q, path, aggregated);
                    if (t == null) {
                      return;
                    }
                    transactionsRead++;
                    if (aggregated[0]) {
                      samples.add(t); // the agent chose it, at the trace's root
                      return; // and counted its exit spans in its destination_metrics
                    }
                    countExits(t);
                    if (t.traceId() != null && sampler.keepsInFull(t)) {
                      // Counted once without its details, and kept in full as a sample.
                      transactions.add(t.withoutDetails());
                      samples.add(t);
                    } else {
                      transactions.add(t);
                    }
                  });
          case "transaction_metrics" ->
              array(
                  p,
                  JsonPath.ROOT.field("transaction_metrics"),
                  (q, path) -> {
                    count();
                    TransactionMetric m = metric(q, path);
                    if (m != null) {
                      metrics.add(m);
                    }
                  });
          case "destination_metrics" ->
              array(
                  p,
                  JsonPath.ROOT.field("destination_metrics"),
                  (q, path) -> {
                    count();
                    DestinationMetric m = destinationMetric(q, path);
                    if (m != null) {
                      destinations.add(m);
                      destinationMetricsRead++;
                    }
                  });
          case "errors" ->
              array(
                  p,
                  JsonPath.ROOT.field("errors"),
                  (q, path) -> {
                    count();
                    ErrorEvent e = error(q, path);
                    if (e != null) {
                      errors.add(e);
                    }
                  });
          default -> p.skipChildren();
        }
      }
      if (!sawService) {
        problem(JsonPath.ROOT.field("service"), "is required");
      }
      if (!problems.isEmpty() || service == null) {
        return null;
      }
      return new EventBatch(
          batchId,
          appId,
          now,
          service,
          transactions,
          errors,
          samples,
          metrics,
          List.of(),
          exits.after(destinations));
    }

    /**
     * Counts the exit spans of a transaction counted here, each in the minute it started (the
     * transaction's when it has no {@code start_ms}); one without a duration cannot be timed, and
     * is not counted.
     */
    private void countExits(TransactionEvent t) {
      long start = t.timestamp().toEpochMilli();
      for (Span s : t.spans()) {
        if (s.destination() != null && s.durationMs() != null) {
          double offset = s.startMs() == null ? 0 : s.startMs();
          exits.add(
              s.destination(), start + (long) Math.floor(offset), s.durationMs(), s.outcome());
        }
      }
    }

    private void count() {
      if (++events > limits.maxEvents()) {
        throw new TooManyEvents();
      }
    }

    ServiceInfo service(JsonParser p, JsonPath path) {
      if (!object(p, path)) {
        return null;
      }
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
        JsonPath at = path.field(field);
        switch (field) {
          case "name" -> name = string(p, at, 100);
          case "environment" -> environment = string(p, at, 100);
          case "version" -> version = string(p, at, 200);
          case "agent" -> {
            if (object(p, at)) {
              while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                  case "name" -> agentName = string(p, at.field(f), 100);
                  case "version" -> agentVersion = string(p, at.field(f), 100);
                  default -> p.skipChildren();
                }
              }
            }
          }
          case "language" -> language = string(p, at, 100);
          case "host" -> host = string(p, at, 255);
          default -> p.skipChildren();
        }
      }
      if (name == null) {
        problem(path.field("name"), "is required");
        return null;
      }
      if (!ServiceName.isValid(name)) {
        problem(path.field("name"), "must be 1-100 of letters, digits, space, '_', '.', '-'");
        return null;
      }
      if (environment != null && environment.isEmpty()) {
        problem(path.field("environment"), "must not be empty");
      }
      return new ServiceInfo(name, environment, version, agentName, agentVersion, language, host);
    }

    /**
     * One transaction; {@code aggregated[0]} tells whether the agent already counted it in its
     * {@code transaction_metrics} (then it is only an example, with its spans).
     */
    TransactionEvent transaction(JsonParser p, JsonPath path, boolean[] aggregated) {
      if (!object(p, path)) {
        return null;
      }
      int before = problems.size();
      String id = null;
      String traceId = null;
      String parentId = null;
      Boolean sampled = null;
      String name = null;
      String type = null;
      Instant timestamp = null;
      Double duration = null;
      String result = null;
      String outcome = null;
      List<Span> spans = List.of();
      String context = null;
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        p.nextToken();
        JsonPath at = path.field(field);
        switch (field) {
          case "id" -> id = id(p, at);
          case "trace_id" -> traceId = id(p, at);
          case "parent_id" -> parentId = id(p, at);
          case "sampled" -> sampled = bool(p, at);
          case "name" -> name = string(p, at, 1024);
          case "type" -> type = string(p, at, 64);
          case "timestamp" -> timestamp = timestamp(p, at);
          case "duration_ms" -> duration = number(p, at, 0, 86_400_000);
          case "result" -> result = string(p, at, limits.maxStringChars());
          case "outcome" -> outcome = string(p, at, limits.maxStringChars());
          case "spans" -> spans = spans(p, at);
          case "context" -> context = context(p, at);
          case "aggregated" -> aggregated[0] = Boolean.TRUE.equals(bool(p, at));
          default -> p.skipChildren();
        }
      }
      required(path, "name", name);
      required(path, "type", type);
      required(path, "timestamp", timestamp);
      required(path, "duration_ms", duration);
      nonEmpty(path, "name", name);
      nonEmpty(path, "type", type);
      if (problems.size() > before) {
        return null;
      }
      return new TransactionEvent(
          id, traceId, name, type, timestamp, duration, result, outcome, spans, context, parentId,
          sampled);
    }

    /**
     * One agent aggregate of transactions; its shared fields are checked by {@link Aggregate}, so a
     * bad aggregate is refused here rather than corrupt stored rows.
     */
    TransactionMetric metric(JsonParser p, JsonPath path) {
      if (!object(p, path)) {
        return null;
      }
      int before = problems.size();
      String name = null;
      String type = null;
      Aggregate a = new Aggregate();
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        p.nextToken();
        JsonPath at = path.field(field);
        switch (field) {
          case "name" -> name = string(p, at, 1024);
          case "type" -> type = string(p, at, 64);
          default -> a.read(p, field, at);
        }
      }
      required(path, "name", name);
      required(path, "type", type);
      a.required(path);
      nonEmpty(path, "name", name);
      nonEmpty(path, "type", type);
      if (!a.consistent(path, before)) {
        return null;
      }
      return new TransactionMetric(
          name, type, a.minute(), a.count, a.failures(), a.sum, a.min, a.max, a.bytes);
    }

    /**
     * One agent aggregate of exit spans to one destination: the same rules as {@link #metric}, and
     * a destination of 1 to {@value #MAX_DESTINATION_CHARS} characters, as a span's.
     */
    DestinationMetric destinationMetric(JsonParser p, JsonPath path) {
      if (!object(p, path)) {
        return null;
      }
      int before = problems.size();
      String destination = null;
      Aggregate a = new Aggregate();
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        p.nextToken();
        JsonPath at = path.field(field);
        if (field.equals("destination")) {
          destination = string(p, at, MAX_DESTINATION_CHARS);
        } else {
          a.read(p, field, at);
        }
      }
      required(path, "destination", destination);
      a.required(path);
      nonEmpty(path, "destination", destination);
      if (!a.consistent(path, before)) {
        return null;
      }
      return new DestinationMetric(
          destination, a.minute(), a.count, a.failures(), a.sum, a.min, a.max, a.bytes);
    }

    /**
     * The fields transaction and destination metrics share, and their rules: the timestamp within
     * the usual window (truncated to its minute), count 1 to 10^9, failures within count, min <=
     * max within 0 to 24 h, the sum between count x min and count x max, and a sketch that decodes
     * to exactly {@code count} durations.
     */
    private final class Aggregate {
      Instant minute;
      Long count;
      Long failures;
      Double sum;
      Double min;
      Double max;
      String sketch;
      byte[] bytes;

      /** Reads {@code field} if it is one of these; skips it otherwise (unknown fields). */
      void read(JsonParser p, String field, JsonPath at) {
        switch (field) {
          case "timestamp" -> minute = timestamp(p, at);
          case "count" -> count = longValue(p, at, 1, MAX_AGGREGATE_COUNT);
          case "failures" -> failures = longValue(p, at, 0, MAX_AGGREGATE_COUNT);
          case "sum_ms" -> sum = number(p, at, 0, 86_400_000 * (double) MAX_AGGREGATE_COUNT);
          case "min_ms" -> min = number(p, at, 0, 86_400_000);
          case "max_ms" -> max = number(p, at, 0, 86_400_000);
          case "sketch" -> sketch = rawString(p, at, MAX_SKETCH_CHARS);
          default -> p.skipChildren();
        }
      }

      void required(JsonPath path) {
        Run.this.required(path, "timestamp", minute);
        Run.this.required(path, "count", count);
        Run.this.required(path, "sum_ms", sum);
        Run.this.required(path, "min_ms", min);
        Run.this.required(path, "max_ms", max);
        Run.this.required(path, "sketch", sketch);
      }

      Instant minute() {
        return minute.truncatedTo(ChronoUnit.MINUTES);
      }

      long failures() {
        return failures == null ? 0 : failures;
      }

      /**
       * Whether the aggregate is whole and consistent: no problem since {@code before}, reporting
       * the inconsistencies it finds; decodes the sketch into {@link #bytes}.
       */
      boolean consistent(JsonPath path, int before) {
        if (problems.size() > before) {
          return false;
        }
        if (failures() > count) {
          problem(path.field("failures"), "must not be more than count");
        }
        if (min > max) {
          problem(path.field("min_ms"), "must not be more than max_ms");
        }
        // The sum of count durations lies between count x min and count x max, with room for
        // agents that round each figure to the microsecond (0.0005 ms either way).
        double slack = 0.0005 * (count + 1) + 1e-9 * sum;
        if (sum < count * min - slack || sum > count * max + slack) {
          problem(path.field("sum_ms"), "must lie between count x min_ms and count x max_ms");
        }
        try {
          bytes = Base64.getDecoder().decode(sketch);
          long sketched = LatencySketch.checkedCount(bytes);
          if (sketched != count) {
            problem(path.field("sketch"), "must hold exactly count durations, not " + sketched);
          }
        } catch (IllegalArgumentException e) {
          problem(
              path.field("sketch"),
              bytes == null
                  ? "must be base64"
                  : e.getMessage() == null ? "is invalid" : e.getMessage());
        }
        return problems.size() == before;
      }
    }

    List<Span> spans(JsonParser p, JsonPath path) {
      List<Span> spans = new ArrayList<>();
      array(
          p,
          path,
          (q, at) -> {
            if (spans.size() == limits.maxSpans()) {
              problem(path, "must have at most " + limits.maxSpans() + " spans");
            }
            if (!object(q, at)) {
              return;
            }
            String name = null;
            String type = null;
            Double start = null;
            Double duration = null;
            String id = null;
            String parentId = null;
            String destination = null;
            String outcome = null;
            while (q.nextToken() == JsonToken.PROPERTY_NAME) {
              String field = q.currentName();
              q.nextToken();
              JsonPath f = at.field(field);
              switch (field) {
                case "name" -> name = string(q, f, 1024);
                case "type" -> type = string(q, f, 64);
                case "start_ms" -> start = number(q, f, 0, 86_400_000);
                case "duration_ms" -> duration = number(q, f, 0, 86_400_000);
                case "id" -> id = id(q, f);
                case "parent_id" -> parentId = id(q, f);
                case "destination" -> {
                  destination = string(q, f, MAX_DESTINATION_CHARS);
                  nonEmpty(at, "destination", destination);
                }
                case "outcome" -> outcome = outcome(q, f);
                default -> q.skipChildren();
              }
            }
            spans.add(new Span(name, type, start, duration, id, parentId, destination, outcome));
          });
      return spans;
    }

    ErrorEvent error(JsonParser p, JsonPath path) {
      if (!object(p, path)) {
        return null;
      }
      int before = problems.size();
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
        JsonPath at = path.field(field);
        switch (field) {
          case "id" -> id = string(p, at, limits.maxStringChars());
          case "timestamp" -> timestamp = timestamp(p, at);
          case "transaction_id" -> transactionId = id(p, at);
          case "trace_id" -> traceId = id(p, at);
          case "parent_id" -> parentId = id(p, at);
          case "transaction_name" -> transactionName = string(p, at, 1024);
          case "level" -> level = string(p, at, 64);
          case "culprit" -> culprit = string(p, at, limits.maxStringChars());
          case "exception" -> exception = exception(p, at, 0);
          case "fingerprint" -> fingerprint = fingerprint(p, at);
          case "context" -> context = context(p, at);
          default -> p.skipChildren();
        }
      }
      required(path, "timestamp", timestamp);
      if (exception == null && problems.size() == before) {
        problem(path.field("exception").field("type"), "is required");
      }
      if (problems.size() > before) {
        return null;
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

    ExceptionInfo exception(JsonParser p, JsonPath path, int depth) {
      if (p.currentToken() == JsonToken.VALUE_NULL) {
        return null;
      }
      if (!object(p, path)) {
        return null;
      }
      if (depth > limits.maxCauseDepth()) {
        p.skipChildren();
        problem(path, "must not nest causes deeper than " + limits.maxCauseDepth());
        return null;
      }
      int before = problems.size();
      String type = null;
      String message = null;
      List<StackFrame> frames = List.of();
      ExceptionInfo cause = null;
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        p.nextToken();
        JsonPath at = path.field(field);
        switch (field) {
          case "type" -> type = string(p, at, 1024);
          case "message" -> message = string(p, at, limits.maxStringChars());
          case "stacktrace" -> frames = frames(p, at);
          case "cause" -> cause = exception(p, at, depth + 1);
          default -> p.skipChildren();
        }
      }
      required(path, "type", type);
      nonEmpty(path, "type", type);
      if (problems.size() > before) {
        return null;
      }
      return new ExceptionInfo(type, message, frames, cause);
    }

    List<StackFrame> frames(JsonParser p, JsonPath path) {
      List<StackFrame> frames = new ArrayList<>();
      array(
          p,
          path,
          (q, at) -> {
            if (frames.size() == limits.maxFrames()) {
              problem(path, "must have at most " + limits.maxFrames() + " frames");
            }
            if (!object(q, at)) {
              return;
            }
            String module = null;
            String function = null;
            String filename = null;
            String filePath = null;
            Integer lineno = null;
            Boolean inApp = null;
            while (q.nextToken() == JsonToken.PROPERTY_NAME) {
              String field = q.currentName();
              q.nextToken();
              JsonPath f = at.field(field);
              switch (field) {
                case "module" -> module = string(q, f, limits.maxStringChars());
                case "function" -> function = string(q, f, limits.maxStringChars());
                case "filename" -> filename = string(q, f, limits.maxStringChars());
                case "path" -> filePath = string(q, f, limits.maxStringChars());
                case "lineno" -> lineno = integer(q, f);
                case "in_app" -> inApp = bool(q, f);
                default -> q.skipChildren();
              }
            }
            frames.add(new StackFrame(module, function, filename, filePath, lineno, inApp));
          });
      return frames;
    }

    List<String> fingerprint(JsonParser p, JsonPath path) {
      if (p.currentToken() == JsonToken.VALUE_NULL) {
        return null;
      }
      List<String> parts = new ArrayList<>();
      array(
          p,
          path,
          (q, at) -> {
            if (parts.size() == MAX_FINGERPRINT_PARTS) {
              problem(path, "must have at most " + MAX_FINGERPRINT_PARTS + " parts");
            }
            String part = string(q, at, 1024);
            if (part == null && q.currentToken() == JsonToken.VALUE_NULL) {
              problem(at, "must be a string");
            } else if (part != null) {
              parts.add(part);
            }
          });
      if (parts.isEmpty() && problems.isEmpty()) {
        problem(path, "must have at least one part, or be null");
      }
      return parts;
    }

    /** The {@code context} object as compact JSON, refused beyond the size limit. */
    String context(JsonParser p, JsonPath path) {
      if (p.currentToken() == JsonToken.VALUE_NULL) {
        return null;
      }
      if (!object(p, path)) {
        return null;
      }
      if (contextWriter == null) {
        contextOut = new ByteArrayOutputStream(1024);
        contextWriter = contextJson.createGenerator(ObjectWriteContext.empty(), contextOut);
      }
      contextOut.reset();
      contextWriter.copyCurrentStructure(p);
      contextWriter.flush();
      if (contextOut.size() > limits.maxContextBytes()) {
        problem(path, "must be at most " + limits.maxContextBytes() + " bytes");
        return null;
      }
      return contextOut.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
      if (contextWriter != null) {
        contextWriter.close();
      }
    }

    private interface Element {
      void read(JsonParser p, JsonPath path);
    }

    /** Reads an array (null counts as empty), giving each element its indexed path. */
    void array(JsonParser p, JsonPath path, Element element) {
      if (p.currentToken() == JsonToken.VALUE_NULL) {
        return;
      }
      if (p.currentToken() != JsonToken.START_ARRAY) {
        p.skipChildren();
        problem(path, "must be an array");
        return;
      }
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        element.read(p, path.at(i++));
      }
    }

    /** Whether the current value is an object; otherwise reports it and skips the value. */
    boolean object(JsonParser p, JsonPath path) {
      if (p.currentToken() == JsonToken.START_OBJECT) {
        return true;
      }
      p.skipChildren();
      problem(path, "must be an object");
      return false;
    }

    String string(JsonParser p, JsonPath path, int maxChars) {
      return rawString(p, path, Math.min(maxChars, limits.maxStringChars()));
    }

    Double number(JsonParser p, JsonPath path, double min, double max) {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
        if (t != JsonToken.VALUE_NULL) {
          p.skipChildren();
        }
        problem(path, "must be a number >= " + format(min) + " and <= " + format(max));
        return null;
      }
      double v = p.getDoubleValue();
      if (!(v >= min && v <= max)) {
        problem(path, "must be a number >= " + format(min) + " and <= " + format(max));
        return null;
      }
      return v;
    }

    /**
     * Whether the current value is a string: null (absent) is not, and reports nothing; any other
     * value is reported and skipped.
     */
    private boolean isString(JsonParser p, JsonPath path) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NULL) {
        return false;
      }
      if (t != JsonToken.VALUE_STRING) {
        p.skipChildren();
        problem(path, "must be a string");
        return false;
      }
      return true;
    }

    /** An id linking a trace's parts ({@link TraceIds}), or null when absent. */
    String id(JsonParser p, JsonPath path) {
      if (!isString(p, path)) {
        return null;
      }
      // Longer than any id: refused without materializing it (a 100 KB "id" costs no copy).
      if (p.getStringLength() > TraceIds.MAX_CHARS) {
        problem(path, TraceIds.RULE);
        return null;
      }
      String s = p.getString();
      if (!TraceIds.isValid(s)) {
        problem(path, TraceIds.RULE);
        return null;
      }
      return s;
    }

    /** A span's outcome: {@code success}, {@code failure} or {@code unknown}; null when absent. */
    String outcome(JsonParser p, JsonPath path) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NULL) {
        return null;
      }
      if (t == JsonToken.VALUE_STRING) {
        switch (p.getString()) {
          case "success" -> {
            return "success";
          }
          case "failure" -> {
            return "failure";
          }
          case "unknown" -> {
            return "unknown";
          }
          default -> {}
        }
      } else {
        p.skipChildren();
      }
      problem(path, "must be one of success, failure, unknown");
      return null;
    }

    /** A string of at most {@code maxChars}, which may exceed the general string limit. */
    String rawString(JsonParser p, JsonPath path, int maxChars) {
      if (!isString(p, path)) {
        return null;
      }
      String s = p.getString();
      if (s.length() > maxChars) {
        problem(path, "must be at most " + maxChars + " characters");
        return null;
      }
      return s;
    }

    Long longValue(JsonParser p, JsonPath path, long min, long max) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NUMBER_INT
          && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
          && p.getLongValue() >= min
          && p.getLongValue() <= max) {
        return p.getLongValue();
      }
      if (t != JsonToken.VALUE_NULL) {
        p.skipChildren();
      }
      problem(path, "must be an integer >= " + min + " and <= " + max);
      return null;
    }

    Integer integer(JsonParser p, JsonPath path) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NULL) {
        return null;
      }
      if (t != JsonToken.VALUE_NUMBER_INT
          || p.getNumberType() != JsonParser.NumberType.INT
          || p.getIntValue() < 0) {
        p.skipChildren();
        problem(path, "must be an integer >= 0");
        return null;
      }
      return p.getIntValue();
    }

    Boolean bool(JsonParser p, JsonPath path) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NULL) {
        return null;
      }
      if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
        p.skipChildren();
        problem(path, "must be true or false");
        return null;
      }
      return t == JsonToken.VALUE_TRUE;
    }

    Instant timestamp(JsonParser p, JsonPath path) {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_STRING) {
        if (t != JsonToken.VALUE_NULL) {
          p.skipChildren();
        }
        problem(path, "must be an RFC 3339 timestamp string");
        return null;
      }
      Instant at = Rfc3339.parse(p.getString());
      if (at == null) {
        problem(path, "must be an RFC 3339 timestamp with a time zone");
        return null;
      }
      if (at.isBefore(oldest)) {
        problem(path, "must not be more than " + limits.maxAge().toDays() + " days old");
        return null;
      }
      if (at.isAfter(newest)) {
        problem(path, "must not be more than " + limits.maxFuture().toMinutes() + " minutes ahead");
        return null;
      }
      return at;
    }

    void required(JsonPath path, String field, Object value) {
      if (value == null && !reported(path.field(field))) {
        problem(path.field(field), "is required");
      }
    }

    void nonEmpty(JsonPath path, String field, String value) {
      if (value != null && value.isEmpty()) {
        problem(path.field(field), "must not be empty");
      }
    }

    /** Whether a problem was already reported for this exact field (wrong type, say). */
    private boolean reported(JsonPath path) {
      String field = path.toString();
      for (ErrorBody.Detail d : problems) {
        if (d.field().equals(field)) {
          return true;
        }
      }
      return false;
    }
  }

  private static String format(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  /** Stops parsing once the error body is full. */
  private static final class EnoughProblems extends RuntimeException {
    EnoughProblems() {
      super(null, null, false, false);
    }
  }

  /** Stops parsing as soon as the event count passes the limit. */
  private static final class TooManyEvents extends RuntimeException {
    TooManyEvents() {
      super(null, null, false, false);
    }
  }
}
