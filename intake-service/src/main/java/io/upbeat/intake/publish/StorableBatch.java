package io.upbeat.intake.publish;

import io.upbeat.events.CopyOnChange;
import io.upbeat.events.DestinationMetric;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.OrphanSpan;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.Span;
import io.upbeat.events.StackFrame;
import io.upbeat.events.StorableText;
import io.upbeat.events.TransactionEvent;
import io.upbeat.events.TransactionMetric;
import java.util.List;

/**
 * Applies {@link StorableText}'s rule to every string of a batch, whichever receiver built it: NUL
 * and unpaired surrogates become U+FFFD in names, messages, frames, spans, fingerprints, and inside
 * the {@code context} JSON (keys and values alike, as {@code \uFFFD} escapes). One linear pass;
 * records are copied only where a string changed, so a clean batch comes back as the same instance.
 * Not thread-safe: one instance per batch, counting the strings it replaced.
 */
final class StorableBatch {
  private int replaced;

  /** Strings that had at least one character replaced so far. */
  int replaced() {
    return replaced;
  }

  EventBatch of(EventBatch b) {
    int before = replaced;
    ServiceInfo service = service(b.service());
    List<TransactionEvent> transactions = CopyOnChange.map(b.transactions(), this::transaction);
    List<ErrorEvent> errors = CopyOnChange.map(b.errors(), this::error);
    List<TransactionEvent> samples = CopyOnChange.map(b.samples(), this::transaction);
    List<TransactionMetric> metrics = CopyOnChange.map(b.metrics(), this::metric);
    List<OrphanSpan> orphans = CopyOnChange.map(b.orphanSpans(), this::orphan);
    List<DestinationMetric> destinations =
        CopyOnChange.map(b.destinationMetrics(), m -> m.withDestination(text(m.destination())));
    if (replaced == before) {
      return b;
    }
    return new EventBatch(
        b.batchId(),
        b.appId(),
        b.receivedAt(),
        service,
        transactions,
        errors,
        samples,
        metrics,
        orphans,
        destinations);
  }

  private String text(String s) {
    String t = StorableText.storable(s);
    if (t != s) {
      replaced++;
    }
    return t;
  }

  private String json(String s) {
    String t = StorableText.storableJson(s);
    if (t != s) {
      replaced++;
    }
    return t;
  }

  private ServiceInfo service(ServiceInfo s) {
    int before = replaced;
    ServiceInfo t =
        new ServiceInfo(
            text(s.name()),
            text(s.environment()),
            text(s.version()),
            text(s.agentName()),
            text(s.agentVersion()),
            text(s.language()),
            text(s.host()));
    return replaced == before ? s : t;
  }

  private TransactionEvent transaction(TransactionEvent e) {
    int before = replaced;
    TransactionEvent t =
        new TransactionEvent(
            text(e.id()),
            text(e.traceId()),
            text(e.name()),
            text(e.type()),
            e.timestamp(),
            e.durationMs(),
            text(e.result()),
            text(e.outcome()),
            CopyOnChange.map(e.spans(), this::span),
            json(e.contextJson()),
            text(e.parentId()),
            e.sampled());
    return replaced == before ? e : t;
  }

  private Span span(Span s) {
    int before = replaced;
    Span t =
        new Span(
            text(s.name()),
            text(s.type()),
            s.startMs(),
            s.durationMs(),
            text(s.id()),
            text(s.parentId()),
            text(s.destination()),
            text(s.outcome()));
    return replaced == before ? s : t;
  }

  private ErrorEvent error(ErrorEvent e) {
    int before = replaced;
    ErrorEvent t =
        new ErrorEvent(
            text(e.id()),
            e.timestamp(),
            text(e.transactionId()),
            text(e.transactionName()),
            text(e.level()),
            text(e.culprit()),
            exception(e.exception()),
            CopyOnChange.map(e.fingerprint(), this::text),
            json(e.contextJson()),
            text(e.traceId()),
            text(e.parentId()));
    return replaced == before ? e : t;
  }

  private ExceptionInfo exception(ExceptionInfo x) {
    if (x == null) {
      return null;
    }
    int before = replaced;
    ExceptionInfo t =
        new ExceptionInfo(
            text(x.type()),
            text(x.message()),
            CopyOnChange.map(x.stacktrace(), this::frame),
            exception(x.cause()));
    return replaced == before ? x : t;
  }

  private StackFrame frame(StackFrame f) {
    int before = replaced;
    StackFrame t =
        new StackFrame(
            text(f.module()),
            text(f.function()),
            text(f.filename()),
            text(f.path()),
            f.lineno(),
            f.inApp());
    return replaced == before ? f : t;
  }

  private TransactionMetric metric(TransactionMetric m) {
    int before = replaced;
    TransactionMetric t =
        new TransactionMetric(
            text(m.name()),
            text(m.type()),
            m.minute(),
            m.count(),
            m.failures(),
            m.sumMs(),
            m.minMs(),
            m.maxMs(),
            m.sketch());
    return replaced == before ? m : t;
  }

  private OrphanSpan orphan(OrphanSpan o) {
    int before = replaced;
    OrphanSpan t =
        new OrphanSpan(text(o.traceId()), text(o.transactionId()), o.startedAt(), span(o.span()));
    return replaced == before ? o : t;
  }
}
