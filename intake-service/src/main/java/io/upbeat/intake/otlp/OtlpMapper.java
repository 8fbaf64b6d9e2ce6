package io.upbeat.intake.otlp;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.OrphanSpan;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TraceIds;
import io.upbeat.events.TransactionEvent;
import io.upbeat.intake.destinations.ExitSpans;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.ServiceName;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Maps OTLP traces and logs to Upbeat's canonical events (docs/agents.md has the table).
 *
 * <ul>
 *   <li>A span is a transaction when it has no parent, when its parent is remote ({@code flags &
 *       0x300 == 0x300}), or when its kind is SERVER or CONSUMER. Its name is {@code
 *       http.request.method + " " + http.route} when both are present, else the span name.
 *   <li>Every other span of the request becomes a span of the transaction it descends from (found
 *       by trace id and the parent chain, within the request). A span whose transaction is not in
 *       the same request goes on as an {@link OrphanSpan}, which the processor joins to the
 *       transaction's stored sample (see docs/agents.md, "Spans").
 *   <li>The exit spans (those with a destination, see {@link #destination}) of the transactions
 *       counted and of the orphan spans are counted per destination and minute ({@link ExitSpans}),
 *       all of them, also those beyond the spans a transaction keeps.
 *   <li>{@code exception} span events, and log records with {@code exception.*} attributes, become
 *       errors; their Java stack-trace text is parsed into frames ({@link JavaStackTrace}).
 * </ul>
 *
 * Items the native API would refuse (a timestamp more than 7 days old or 5 minutes ahead, a
 * negative or over-24-hour duration) are dropped and counted as rejected, never failing the whole
 * request: OTLP's partial success. Strings and lists over the limits are cut, not refused, because
 * an OTel SDK cannot fix and resend them.
 *
 * <p>Thread-safe; one instance serves every request.
 */
final class OtlpMapper {
  /**
   * Transactions without a trace id sent in full (with spans) as samples, per name and request;
   * those with one are chosen by {@link TraceSampler}.
   */
  static final int SAMPLES_PER_NAME = 10;

  private static final int MAX_DESTINATION_CHARS = 256;

  private static final int SPAN_FLAGS_REMOTE = 0x300;
  private static final int MAX_PARENT_HOPS = 128;
  private static final double MAX_DURATION_MS = 86_400_000;
  private static final HexFormat HEX = HexFormat.of();
  private static final JsonFactory JSON = new JsonFactory();

  private final IntakeLimits limits;
  private final TraceSampler sampler;

  OtlpMapper(IntakeLimits limits) {
    this(limits, TraceSampler.DEFAULT);
  }

  OtlpMapper(IntakeLimits limits, TraceSampler sampler) {
    this.limits = limits;
    this.sampler = sampler;
  }

  /** One service's events of a request. */
  static final class ServiceEvents {
    final ServiceInfo service;
    final List<TransactionEvent> transactions = new ArrayList<>();
    final List<TransactionEvent> samples = new ArrayList<>();
    final List<ErrorEvent> errors = new ArrayList<>();
    final List<OrphanSpan> orphans = new ArrayList<>();

    /** The exit spans of its counted transactions and of its orphan spans. */
    final ExitSpans exits = new ExitSpans();

    private final TraceSampler.Choice samplesChoice;

    ServiceEvents(ServiceInfo service, TraceSampler.Choice samplesChoice) {
      this.service = service;
      this.samplesChoice = samplesChoice;
    }

    int events() {
      return transactions.size() + errors.size();
    }

    boolean isEmpty() {
      return events() == 0 && orphans.isEmpty();
    }
  }

  /**
   * The events of one request, per service (one Kafka record each), and what was dropped.
   *
   * @param rejected items refused (spans or log records), for {@code partial_success}
   * @param rejectionMessage why, for {@code partial_success.error_message}; null when none
   */
  record Mapped(List<ServiceEvents> services, long rejected, String rejectionMessage) {
    int events() {
      int n = 0;
      for (ServiceEvents s : services) {
        n += s.events();
      }
      return n;
    }
  }

  private final class Run {
    final Instant oldest;
    final Instant newest;
    final Map<ServiceInfo, ServiceEvents> services = new LinkedHashMap<>();
    long rejected;
    String firstReason;

    Run(Instant now) {
      oldest = now.minus(limits.maxAge());
      newest = now.plus(limits.maxFuture());
    }

    ServiceEvents service(Resource resource) {
      ServiceInfo s = serviceInfo(Attributes.of(resource.getAttributesList()));
      return services.computeIfAbsent(
          s, k -> new ServiceEvents(k, sampler.perRequest(SAMPLES_PER_NAME)));
    }

    void reject(long n, String reason) {
      rejected += n;
      if (firstReason == null) {
        firstReason = reason;
      }
    }

    /** Null when {@code at} is inside the accepted window, else why not. */
    String outsideWindow(Instant at) {
      if (at.isBefore(oldest)) {
        return "timestamps more than " + limits.maxAge().toDays() + " days old are refused";
      }
      if (at.isAfter(newest)) {
        return "timestamps more than "
            + limits.maxFuture().toMinutes()
            + " minutes ahead are refused";
      }
      return null;
    }

    Mapped result() {
      String message =
          rejected == 0 ? null : rejected + " item(s) rejected; the first because " + firstReason;
      return new Mapped(List.copyOf(services.values()), rejected, message);
    }
  }

  // ---------------------------------------------------------------- traces

  /** A span of the request with what the mapping learns about it. */
  private static final class Node {
    final Span span;
    final Attributes attributes;
    final String traceId;
    final String spanId;
    final String parentId;
    final boolean transaction;
    TransactionBuilder owner; // the transaction it belongs to, once resolved

    Node(Span span) {
      this.span = span;
      this.attributes = Attributes.of(span.getAttributesList());
      this.traceId = hex(span.getTraceId().toByteArray());
      this.spanId = hex(span.getSpanId().toByteArray());
      this.parentId =
          span.getParentSpanId().isEmpty() ? null : hex(span.getParentSpanId().toByteArray());
      this.transaction = isTransaction(span, parentId);
    }
  }

  private static final class TransactionBuilder {
    final Node node;
    final ServiceEvents service;
    final List<io.upbeat.events.Span> spans = new ArrayList<>();
    TransactionEvent event;

    TransactionBuilder(Node node, ServiceEvents service) {
      this.node = node;
      this.service = service;
    }
  }

  static boolean isTransaction(Span span, String parentId) {
    return parentId == null
        || (span.getFlags() & SPAN_FLAGS_REMOTE) == SPAN_FLAGS_REMOTE
        || span.getKind() == Span.SpanKind.SPAN_KIND_SERVER
        || span.getKind() == Span.SpanKind.SPAN_KIND_CONSUMER;
  }

  Mapped traces(ExportTraceServiceRequest request, Instant now) {
    Run run = new Run(now);
    Map<String, Node> byId = new HashMap<>();
    List<Node> nodes = new ArrayList<>();
    Map<Node, ServiceEvents> serviceOf = new HashMap<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      ServiceEvents service = run.service(rs.getResource());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          Node n = new Node(span);
          nodes.add(n);
          serviceOf.put(n, service);
          byId.putIfAbsent(n.traceId + "/" + n.spanId, n);
        }
      }
    }
    // Transactions first, so children can find them.
    Map<Node, TransactionBuilder> transactions = new LinkedHashMap<>();
    for (Node n : nodes) {
      if (!n.transaction) {
        continue;
      }
      String invalid = invalidTiming(run, n.span);
      if (invalid != null) {
        run.reject(1, invalid);
        continue;
      }
      TransactionBuilder t = new TransactionBuilder(n, serviceOf.get(n));
      n.owner = t;
      transactions.put(n, t);
    }
    for (Node n : nodes) {
      if (!n.transaction) {
        TransactionBuilder owner = owner(n, byId);
        if (owner == null) {
          orphan(run, n, byId, serviceOf.get(n));
          continue;
        }
        String invalid = invalidTiming(run, n.span);
        if (invalid != null) {
          run.reject(1, invalid);
          continue;
        }
        if (owner.spans.size() < limits.maxSpans()) {
          io.upbeat.events.Span s = childSpan(n, owner.node.span);
          owner.spans.add(s);
          countExit(owner.service.exits, n, s.destination(), s.outcome());
        } else {
          // Beyond what the sample keeps, yet a call the transaction made: counted all the same.
          Attributes a = n.attributes;
          countExit(
              owner.service.exits,
              n,
              destination(a, a.string("db.system.name", "db.system")),
              outcome(n.span, a.integer("http.response.status_code", "http.status_code")));
        }
      }
    }
    for (TransactionBuilder t : transactions.values()) {
      t.event = transaction(t);
      ServiceEvents s = t.service;
      // Counted once, without details; also in full as a sample when its trace is kept.
      s.transactions.add(t.event.withoutDetails());
      if (s.samplesChoice.keeps(t.event)) {
        s.samples.add(t.event);
      }
    }
    // Exceptions recorded on spans; the same exception is often recorded on a span and on its
    // parent (the handler's span and the server span): one error per trace and stack.
    Set<String> seen = new HashSet<>();
    for (Node n : nodes) {
      for (Span.Event e : n.span.getEventsList()) {
        if (!e.getName().equals("exception")) {
          continue;
        }
        Attributes a = Attributes.of(e.getAttributesList());
        String dedupe =
            n.traceId
                + '\u001f'
                + a.string("exception.type")
                + '\u001f'
                + a.string("exception.stacktrace");
        if (!seen.add(dedupe)) {
          continue;
        }
        long nanos = e.getTimeUnixNano() != 0 ? e.getTimeUnixNano() : n.span.getEndTimeUnixNano();
        Instant at = instant(nanos);
        String invalid = run.outsideWindow(at);
        if (invalid != null) {
          run.reject(0, invalid); // the span itself was taken or refused above
          continue;
        }
        TransactionBuilder t = n.transaction ? n.owner : owner(n, byId);
        serviceOf
            .get(n)
            .errors
            .add(
                error(
                    a,
                    at,
                    t == null || t.event == null ? null : t.event.id(),
                    t == null || t.event == null ? null : t.event.name(),
                    "error",
                    n.traceId,
                    n.spanId,
                    t == null ? n.attributes : t.node.attributes,
                    TraceIds.orNull(n.traceId),
                    TraceIds.orNull(n.spanId)));
      }
    }
    return run.result();
  }

  /**
   * A span whose transaction is not in this request: sent on as an orphan, to be joined to its
   * transaction's sample by the processor, when its nearest missing ancestor (presumably the
   * transaction, which ends last and so is often exported in a later batch) is known. Spans under a
   * refused transaction are dropped. At most {@code maxEvents} orphans per request.
   */
  private void orphan(Run run, Node n, Map<String, Node> byId, ServiceEvents service) {
    Node at = n;
    for (int hops = 0; hops < MAX_PARENT_HOPS; hops++) {
      if (at.transaction) {
        return; // under a transaction this request refused
      }
      if (at.parentId == null) {
        return;
      }
      Node parent = byId.get(at.traceId + "/" + at.parentId);
      if (parent == null) {
        break;
      }
      at = parent;
    }
    if (at.parentId == null || service.orphans.size() >= limits.maxEvents()) {
      return;
    }
    String invalid = invalidTiming(run, n.span);
    if (invalid != null) {
      run.reject(1, invalid);
      return;
    }
    io.upbeat.events.Span s = childSpan(n, n.span);
    countExit(service.exits, n, s.destination(), s.outcome());
    service.orphans.add(
        new OrphanSpan(
            n.traceId,
            at.parentId,
            instant(n.span.getStartTimeUnixNano()),
            new io.upbeat.events.Span(
                s.name(),
                s.type(),
                null,
                s.durationMs(),
                s.id(),
                s.parentId(),
                s.destination(),
                s.outcome())));
  }

  /** Counts {@code n} in {@code exits} if it is an exit span (has a destination). */
  private static void countExit(ExitSpans exits, Node n, String destination, String outcome) {
    exits.add(destination, n.span.getStartTimeUnixNano() / 1_000_000L, durationMs(n.span), outcome);
  }

  /** The transaction a child span descends from, following parents within the request. */
  private static TransactionBuilder owner(Node n, Map<String, Node> byId) {
    Node at = n;
    for (int hops = 0; hops < MAX_PARENT_HOPS && at != null; hops++) {
      if (at.owner != null) {
        n.owner = at.owner;
        return at.owner;
      }
      if (at.transaction || at.parentId == null) {
        return null; // a refused transaction
      }
      at = byId.get(at.traceId + "/" + at.parentId);
    }
    return null;
  }

  private String invalidTiming(Run run, Span span) {
    if (span.getEndTimeUnixNano() < span.getStartTimeUnixNano()) {
      return "a span ended before it started";
    }
    double duration = durationMs(span);
    if (duration > MAX_DURATION_MS) {
      return "spans longer than 24 hours are refused";
    }
    return run.outsideWindow(instant(span.getStartTimeUnixNano()));
  }

  private TransactionEvent transaction(TransactionBuilder t) {
    Span span = t.node.span;
    Attributes a = t.node.attributes;
    String method = a.string("http.request.method", "http.method");
    String route = a.string("http.route");
    String name = method != null && route != null ? method + " " + route : span.getName();
    if (name.isBlank()) {
      name = "unnamed";
    }
    Long status = a.integer("http.response.status_code", "http.status_code");
    String type;
    if (span.getKind() == Span.SpanKind.SPAN_KIND_CONSUMER || a.has("messaging.system")) {
      type = "messaging";
    } else if (span.getKind() == Span.SpanKind.SPAN_KIND_SERVER || method != null) {
      type = "request";
    } else {
      type = "unknown";
    }
    String result =
        status != null && status >= 100 && status <= 599 ? "HTTP " + status / 100 + "xx" : null;
    return new TransactionEvent(
        TraceIds.orNull(t.node.spanId),
        TraceIds.orNull(t.node.traceId),
        cut(name, 1024),
        type,
        instant(span.getStartTimeUnixNano()),
        durationMs(span),
        result,
        outcome(span, status),
        t.spans,
        transactionContext(a, method),
        TraceIds.orNull(t.node.parentId),
        null);
  }

  /**
   * failure: the span's status is ERROR, or a server answered 5xx; success: an HTTP status below
   * 500 or the status OK; otherwise unknown.
   */
  static String outcome(Span span, Long httpStatus) {
    Status.StatusCode code = span.getStatus().getCode();
    if (code == Status.StatusCode.STATUS_CODE_ERROR) {
      return "failure";
    }
    if (httpStatus != null) {
      return httpStatus >= 500 ? "failure" : "success";
    }
    return code == Status.StatusCode.STATUS_CODE_OK ? "success" : "unknown";
  }

  private String transactionContext(Attributes a, String method) {
    String path = a.string("url.path", "http.target");
    String query = a.string("url.query");
    String url =
        path == null ? a.string("url.full", "http.url") : query == null ? path : path + "?" + query;
    String user = a.string("enduser.id", "user.id");
    if (method == null && url == null && user == null) {
      return null;
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      if (method != null || url != null) {
        g.writeObjectPropertyStart("request");
        if (method != null) {
          g.writeStringProperty("method", cut(method, 64));
        }
        if (url != null) {
          g.writeStringProperty("url", cut(url, 2048));
        }
        g.writeEndObject();
      }
      if (user != null) {
        g.writeObjectPropertyStart("user");
        g.writeStringProperty("id", cut(user, 256));
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    return out.toString();
  }

  private io.upbeat.events.Span childSpan(Node n, Span transaction) {
    Span span = n.span;
    Attributes a = n.attributes;
    String db = a.string("db.system.name", "db.system");
    String type;
    if (db != null) {
      type = "db." + db.toLowerCase(Locale.ROOT) + ".query";
    } else if (a.has("messaging.system")) {
      type = "messaging";
    } else if (span.getKind() == Span.SpanKind.SPAN_KIND_CLIENT
        && a.string("http.request.method", "http.method") != null) {
      type = "external.http";
    } else if (span.getKind() == Span.SpanKind.SPAN_KIND_CLIENT) {
      type = "external";
    } else {
      type = "app";
    }
    double start =
        Math.max(0, (span.getStartTimeUnixNano() - transaction.getStartTimeUnixNano()) / 1e6);
    return new io.upbeat.events.Span(
        cut(span.getName().isEmpty() ? "unnamed" : span.getName(), 1024),
        cut(type, 64),
        Math.min(start, MAX_DURATION_MS),
        durationMs(span),
        TraceIds.orNull(n.spanId),
        TraceIds.orNull(n.parentId),
        destination(a, db),
        outcome(span, a.integer("http.response.status_code", "http.status_code")));
  }

  /**
   * Where a span went: for a database span its system ({@code db.system.name}, else {@code
   * db.system}); else {@code server.address} and {@code server.port}, else the older {@code
   * net.peer.name} and {@code net.peer.port}, as {@code host:port} (the host alone without a port),
   * else {@code peer.service}; null when none is set.
   */
  static String destination(Attributes a, String dbSystem) {
    if (dbSystem != null) {
      return dbSystem.isEmpty() ? null : cut(dbSystem.toLowerCase(Locale.ROOT), 64);
    }
    String host = a.string("server.address");
    Long port = host != null ? a.integer("server.port") : null;
    if (host == null) {
      host = a.string("net.peer.name");
      port = host != null ? a.integer("net.peer.port") : null;
    }
    if (host != null && !host.isEmpty()) {
      return cut(port == null ? host : host + ":" + port, MAX_DESTINATION_CHARS);
    }
    String peer = a.string("peer.service");
    return peer == null || peer.isEmpty() ? null : cut(peer, MAX_DESTINATION_CHARS);
  }

  // ---------------------------------------------------------------- logs

  Mapped logs(ExportLogsServiceRequest request, Instant now) {
    Run run = new Run(now);
    for (ResourceLogs rl : request.getResourceLogsList()) {
      ServiceEvents service = null;
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord r : sl.getLogRecordsList()) {
          Attributes a = Attributes.of(r.getAttributesList());
          if (a.string("exception.type", "exception.stacktrace", "exception.message") == null) {
            continue; // plain log lines are accepted and not kept
          }
          long nanos = r.getTimeUnixNano() != 0 ? r.getTimeUnixNano() : r.getObservedTimeUnixNano();
          Instant at = instant(nanos);
          String invalid = run.outsideWindow(at);
          if (invalid != null) {
            run.reject(1, invalid);
            continue;
          }
          if (service == null) {
            service = run.service(rl.getResource());
          }
          String traceId = r.getTraceId().isEmpty() ? null : hex(r.getTraceId().toByteArray());
          String spanId = r.getSpanId().isEmpty() ? null : hex(r.getSpanId().toByteArray());
          service.errors.add(
              error(
                  a,
                  at,
                  null,
                  null,
                  level(r),
                  traceId,
                  spanId,
                  a,
                  TraceIds.orNull(traceId),
                  TraceIds.orNull(spanId)));
        }
      }
    }
    return run.result();
  }

  private static String level(LogRecord r) {
    int n = r.getSeverityNumberValue();
    if (n >= 21) {
      return "fatal";
    }
    if (n >= 17 || n == 0) {
      return "error";
    }
    return n >= 13 ? "warning" : "info";
  }

  // ---------------------------------------------------------------- shared

  private ErrorEvent error(
      Attributes a,
      Instant at,
      String transactionId,
      String transactionName,
      String level,
      String contextTraceId,
      String contextSpanId,
      Attributes where,
      String traceId,
      String parentId) {
    ExceptionInfo exception =
        JavaStackTrace.parse(
            a.string("exception.stacktrace"),
            a.string("exception.type"),
            a.string("exception.message"),
            limits.maxFrames(),
            limits.maxCauseDepth(),
            limits.maxStringChars());
    return new ErrorEvent(
        null,
        at,
        transactionId,
        transactionName,
        level,
        null,
        exception,
        null,
        errorContext(contextTraceId, contextSpanId, where),
        traceId,
        parentId);
  }

  /**
   * An error's context: its trace, and in Upbeat's shape (see {@code
   * io.upbeat.events.ErrorContext}) the request and user of the span it belongs to (its
   * transaction's, for a span event; the record's own, for a log record) by the semantic
   * conventions: {@code http.request.method}, {@code url.path} and {@code url.query} (else {@code
   * url.full}), the {@code http.request.header.*} an SDK was told to capture, {@code enduser.id}
   * (else {@code user.id}), {@code user.email} and {@code user.full_name} (else {@code user.name}).
   * OpenTelemetry has no tags.
   */
  private static String errorContext(String traceId, String spanId, Attributes a) {
    String method = a.string("http.request.method", "http.method");
    String path = a.string("url.path", "http.target");
    String query = a.string("url.query");
    String url =
        path == null ? a.string("url.full", "http.url") : query == null ? path : path + "?" + query;
    Map<String, String> headers = a.withPrefix("http.request.header.");
    String userId = a.string("enduser.id", "user.id");
    String email = a.string("user.email");
    String name = a.string("user.full_name", "user.name");
    boolean request = method != null || url != null || !headers.isEmpty();
    boolean user = userId != null || email != null || name != null;
    if (traceId == null && !request && !user) {
      return null;
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      if (traceId != null) {
        g.writeObjectPropertyStart("trace");
        g.writeStringProperty("trace_id", traceId);
        if (spanId != null) {
          g.writeStringProperty("span_id", spanId);
        }
        g.writeEndObject();
      }
      if (request) {
        g.writeObjectPropertyStart("request");
        if (method != null) {
          g.writeStringProperty("method", cut(method, 64));
        }
        if (url != null) {
          g.writeStringProperty("url", cut(url, 2048));
        }
        if (!headers.isEmpty()) {
          g.writeObjectPropertyStart("headers");
          for (Map.Entry<String, String> h : headers.entrySet()) {
            g.writeStringProperty(cut(h.getKey(), 256), cut(h.getValue(), 2048));
          }
          g.writeEndObject();
        }
        g.writeEndObject();
      }
      if (user) {
        g.writeObjectPropertyStart("user");
        if (userId != null) {
          g.writeStringProperty("id", cut(userId, 256));
        }
        if (email != null) {
          g.writeStringProperty("email", cut(email, 256));
        }
        if (name != null) {
          g.writeStringProperty("name", cut(name, 256));
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    return out.toString();
  }

  /**
   * The resource as Upbeat's service: {@code service.name} with characters the native API refuses
   * replaced by {@code _} (the SDK default {@code unknown_service:java} becomes {@code
   * unknown_service_java}), {@code deployment.environment.name} (or the older {@code
   * deployment.environment}), {@code service.version}, and the agent from {@code
   * telemetry.distro.*} or {@code telemetry.sdk.*}.
   */
  static ServiceInfo serviceInfo(Attributes a) {
    String name = a.string("service.name");
    if (name == null || name.isBlank()) {
      name = "unknown_service";
    }
    name = ServiceName.replaceRefused(cut(name.strip(), ServiceName.MAX_CHARS));
    String agentName = a.string("telemetry.distro.name", "telemetry.sdk.name");
    String agentVersion =
        a.has("telemetry.distro.name")
            ? a.string("telemetry.distro.version")
            : a.string("telemetry.sdk.version");
    return new ServiceInfo(
        name,
        cut(a.string("deployment.environment.name", "deployment.environment"), 100),
        cut(a.string("service.version"), 200),
        cut(agentName, 100),
        cut(agentVersion, 100),
        cut(a.string("telemetry.sdk.language"), 100),
        cut(a.string("host.name"), 255));
  }

  private static double durationMs(Span span) {
    return Math.max(0, span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1e6;
  }

  /** Nanoseconds since the epoch; OTLP's fixed64 is unsigned, but 2^63 ns is the year 2262. */
  static Instant instant(long unixNanos) {
    if (unixNanos < 0) {
      return Instant.MAX;
    }
    return Instant.ofEpochSecond(unixNanos / 1_000_000_000L, unixNanos % 1_000_000_000L);
  }

  static String hex(byte[] id) {
    return HEX.formatHex(id);
  }

  private static String cut(String s, int max) {
    return JavaStackTrace.cut(s, max);
  }
}
