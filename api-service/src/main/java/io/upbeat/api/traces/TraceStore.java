package io.upbeat.api.traces;

import io.upbeat.api.access.OrgApps;
import io.upbeat.api.params.Times;
import io.upbeat.api.traces.TracePayloads.Span;
import io.upbeat.api.traces.TracePayloads.Thrown;
import io.upbeat.api.traces.TracePayloads.Trace;
import io.upbeat.api.traces.TracePayloads.TraceError;
import io.upbeat.api.traces.TracePayloads.Transaction;
import io.upbeat.support.web.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reads one trace of an org: its sampled transactions ({@code txn_samples}), their spans (the
 * samples' {@code spans} JSON, flattened by PostgreSQL so that only the kept ones cross the wire)
 * and its error occurrences, from the org's live apps only (an app pending deletion is left out, as
 * {@code AccessControl} hides it). Each query starts from a trace index ({@code
 * txn_samples_by_trace}, {@code error_occurrences_by_trace}), so a lookup never scans.
 *
 * <p>Every list is bounded: a trace with more keeps its earliest parts and says it is truncated.
 */
@Component
class TraceStore {
  static final int MAX_TRANSACTIONS = 1_000;
  static final int MAX_SPANS = 5_000;
  static final int MAX_ERRORS = 1_000;

  static final String TRANSACTIONS =
      """
      SELECT sample_id, transaction_id, parent_id, app_id, environment, txn_name, txn_type,
             started_at, duration_ms, result, outcome, kept
      FROM txn_samples
      WHERE trace_id = :trace AND app_id IN (:apps)
      ORDER BY started_at, sample_id
      LIMIT :limit
      """;

  /**
   * The kept samples' spans, earliest first. A span's numbers are the processor's, but read
   * defensively: anything but a JSON number counts as 0, and the order is computed in float8 (as
   * epoch ms) so that no stored value can overflow an interval.
   */
  static final String SPANS =
      """
      SELECT s.sample_id, s.transaction_id, s.app_id, s.started_at,
             e.span ->> 'id' AS id, e.span ->> 'parent_id' AS parent_id,
             e.span ->> 'name' AS name, e.span ->> 'type' AS type,
             e.span ->> 'destination' AS destination, e.span ->> 'outcome' AS outcome,
             CASE WHEN jsonb_typeof(e.span -> 'start_ms') = 'number'
                  THEN (e.span ->> 'start_ms')::float8 ELSE 0 END AS start_ms,
             CASE WHEN jsonb_typeof(e.span -> 'duration_ms') = 'number'
                  THEN (e.span ->> 'duration_ms')::float8 ELSE 0 END AS duration_ms
      FROM txn_samples s
      CROSS JOIN LATERAL jsonb_array_elements(
          CASE WHEN jsonb_typeof(s.spans) = 'array' THEN s.spans ELSE '[]'::jsonb END)
          WITH ORDINALITY AS e(span, n)
      WHERE s.trace_id = :trace AND s.sample_id IN (:samples)
      ORDER BY extract(epoch FROM s.started_at) * 1000
                 + CASE WHEN jsonb_typeof(e.span -> 'start_ms') = 'number'
                        THEN (e.span ->> 'start_ms')::float8 ELSE 0 END,
               s.sample_id, e.n
      LIMIT :limit
      """;

  static final String ERRORS =
      """
      SELECT o.id, o.event_id, o.group_id, g.app_id, o.transaction_id, o.parent_id, o.occurred_at,
             o.exception ->> 'type' AS type, coalesce(o.exception ->> 'message', o.message) AS message,
             g.culprit
      FROM error_occurrences o JOIN error_groups g ON g.id = o.group_id
      WHERE o.trace_id = :trace AND g.app_id IN (:apps)
      ORDER BY o.occurred_at, o.id
      LIMIT :limit
      """;

  private final JdbcClient jdbc;
  private final OrgApps orgApps;

  TraceStore(JdbcClient jdbc, OrgApps orgApps) {
    this.jdbc = jdbc;
    this.orgApps = orgApps;
  }

  /** A transaction as stored: its own start, offsets come once the trace's start is known. */
  private record TransactionRow(
      UUID sampleId,
      String id,
      String parentId,
      UUID appId,
      String environment,
      String name,
      String type,
      Instant start,
      double durationMs,
      String result,
      String outcome,
      String kept) {}

  private record SpanRow(
      String id,
      String parentId,
      String transactionId,
      UUID appId,
      String name,
      String type,
      String destination,
      String outcome,
      Instant start,
      double durationMs) {}

  private record ErrorRow(
      long id,
      String eventId,
      UUID groupId,
      UUID appId,
      String transactionId,
      String parentId,
      Instant at,
      Thrown exception,
      String culprit) {}

  /**
   * The trace, for a caller that may see the org.
   *
   * @throws ApiException 400 naming {@code trace_id} for an id that intake would never have stored;
   *     404 when none of the org's live apps has any part of the trace
   */
  Trace get(UUID org, String traceId) {
    return find(org, TraceIds.require(traceId))
        .orElseThrow(() -> ApiException.notFound("The trace"));
  }

  /**
   * The trace as the org's live apps stored it, or empty when none of them has any part of it. The
   * caller has checked that the user may see the org.
   */
  private Optional<Trace> find(UUID org, String traceId) {
    Map<UUID, String> apps = orgApps.live(org);
    if (apps.isEmpty()) {
      return Optional.empty();
    }
    List<TransactionRow> transactions =
        jdbc.sql(TRANSACTIONS)
            .param("trace", traceId)
            .param("apps", apps.keySet())
            .param("limit", MAX_TRANSACTIONS + 1)
            .query(TraceStore::transaction)
            .list();
    List<ErrorRow> errors =
        jdbc.sql(ERRORS)
            .param("trace", traceId)
            .param("apps", apps.keySet())
            .param("limit", MAX_ERRORS + 1)
            .query(TraceStore::error)
            .list();
    if (transactions.isEmpty() && errors.isEmpty()) {
      return Optional.empty();
    }
    boolean truncated = transactions.size() > MAX_TRANSACTIONS || errors.size() > MAX_ERRORS;
    transactions = transactions.subList(0, Math.min(transactions.size(), MAX_TRANSACTIONS));
    errors = errors.subList(0, Math.min(errors.size(), MAX_ERRORS));
    List<SpanRow> spans =
        transactions.isEmpty()
            ? List.of()
            : jdbc.sql(SPANS)
                .param("trace", traceId)
                .param("samples", transactions.stream().map(TransactionRow::sampleId).toList())
                .param("limit", MAX_SPANS + 1)
                .query(TraceStore::span)
                .list();
    truncated |= spans.size() > MAX_SPANS;
    spans = spans.subList(0, Math.min(spans.size(), MAX_SPANS));
    return Optional.of(assemble(traceId, apps, transactions, spans, errors, truncated));
  }

  private static Trace assemble(
      String traceId,
      Map<UUID, String> apps,
      List<TransactionRow> transactions,
      List<SpanRow> spans,
      List<ErrorRow> errors,
      boolean truncated) {
    Instant start = Instant.MAX;
    Instant end = Instant.MIN;
    for (TransactionRow t : transactions) {
      start = min(start, t.start());
      end = max(end, plus(t.start(), t.durationMs()));
    }
    for (SpanRow s : spans) {
      start = min(start, s.start());
      end = max(end, plus(s.start(), s.durationMs()));
    }
    for (ErrorRow e : errors) {
      start = min(start, e.at());
      end = max(end, e.at());
    }
    Instant origin = start;
    List<Transaction> txns = new ArrayList<>(transactions.size());
    for (TransactionRow t : transactions) {
      txns.add(
          new Transaction(
              t.id(),
              t.parentId(),
              t.appId(),
              apps.get(t.appId()),
              t.environment(),
              t.name(),
              t.type(),
              t.start(),
              offset(origin, t.start()),
              t.durationMs(),
              t.result(),
              t.outcome(),
              t.sampleId(),
              t.kept()));
    }
    List<Span> flat = new ArrayList<>(spans.size());
    for (SpanRow s : spans) {
      flat.add(
          new Span(
              s.id(),
              s.parentId(),
              s.transactionId(),
              s.appId(),
              apps.get(s.appId()),
              s.name(),
              s.type(),
              s.destination(),
              s.outcome(),
              s.start(),
              offset(origin, s.start()),
              s.durationMs()));
    }
    List<TraceError> errs = new ArrayList<>(errors.size());
    for (ErrorRow e : errors) {
      errs.add(
          new TraceError(
              e.id(),
              e.eventId(),
              e.groupId(),
              e.appId(),
              apps.get(e.appId()),
              e.transactionId(),
              e.parentId(),
              e.at(),
              offset(origin, e.at()),
              e.exception(),
              e.culprit()));
    }
    return new Trace(
        traceId,
        origin,
        offset(origin, end),
        truncated,
        missingParents(txns, flat, errs),
        txns,
        flat,
        errs);
  }

  /**
   * The parent ids nothing returned answers to, in time order: a transaction's caller, a span's
   * parent (when it has one), an error's parent (or its transaction when it names no parent).
   */
  static List<String> missingParents(
      List<Transaction> transactions, List<Span> spans, List<TraceError> errors) {
    Set<String> present = new HashSet<>();
    transactions.forEach(t -> present.add(t.id()));
    spans.forEach(s -> present.add(s.id()));
    present.remove(null);
    record Ref(Instant at, String id) {}
    List<Ref> refs = new ArrayList<>();
    transactions.forEach(t -> refs.add(new Ref(t.timestamp(), t.parentId())));
    spans.forEach(s -> refs.add(new Ref(s.timestamp(), s.parentId())));
    errors.forEach(
        e ->
            refs.add(
                new Ref(e.timestamp(), e.parentId() != null ? e.parentId() : e.transactionId())));
    refs.sort(Comparator.comparing(Ref::at));
    Set<String> missing = new LinkedHashSet<>();
    for (Ref r : refs) {
      if (r.id() != null && !present.contains(r.id())) {
        missing.add(r.id());
      }
    }
    return List.copyOf(missing);
  }

  private static TransactionRow transaction(ResultSet rs, int row) throws SQLException {
    return new TransactionRow(
        rs.getObject("sample_id", UUID.class),
        rs.getString("transaction_id"),
        rs.getString("parent_id"),
        rs.getObject("app_id", UUID.class),
        rs.getString("environment"),
        rs.getString("txn_name"),
        rs.getString("txn_type"),
        Times.read(rs, "started_at"),
        rs.getDouble("duration_ms"),
        rs.getString("result"),
        rs.getString("outcome"),
        rs.getString("kept"));
  }

  private static SpanRow span(ResultSet rs, int row) throws SQLException {
    Instant transactionStart = Times.read(rs, "started_at");
    return new SpanRow(
        rs.getString("id"),
        rs.getString("parent_id"),
        rs.getString("transaction_id"),
        rs.getObject("app_id", UUID.class),
        rs.getString("name"),
        rs.getString("type"),
        rs.getString("destination"),
        rs.getString("outcome"),
        plus(transactionStart, finite(rs.getDouble("start_ms"))),
        finite(rs.getDouble("duration_ms")));
  }

  private static ErrorRow error(ResultSet rs, int row) throws SQLException {
    return new ErrorRow(
        rs.getLong("id"),
        rs.getString("event_id"),
        rs.getObject("group_id", UUID.class),
        rs.getObject("app_id", UUID.class),
        rs.getString("transaction_id"),
        rs.getString("parent_id"),
        Times.read(rs, "occurred_at"),
        new Thrown(rs.getString("type"), rs.getString("message")),
        rs.getString("culprit"));
  }

  /** A stored offset or duration as a usable number: not negative, finite, at most a day. */
  private static double finite(double ms) {
    return Double.isFinite(ms) ? Math.max(0, Math.min(ms, MAX_OFFSET_MS)) : 0;
  }

  /** Offsets past a day are an agent's mistake; clamping keeps instants in range. */
  private static final double MAX_OFFSET_MS = 86_400_000;

  private static Instant plus(Instant t, double ms) {
    return t.plusNanos(Math.round(finite(ms) * 1_000_000));
  }

  private static double offset(Instant origin, Instant t) {
    return Duration.between(origin, t).toNanos() / 1_000_000.0;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
