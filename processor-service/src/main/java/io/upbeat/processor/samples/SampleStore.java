package io.upbeat.processor.samples;

import io.upbeat.events.Span;
import io.upbeat.processor.consume.Effects;
import io.upbeat.processor.consume.WorkStore.Flush;
import io.upbeat.processor.rollup.Rollups;
import io.upbeat.processor.tail.TraceDecisions;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The samples pipeline's writes: each partition's kept samples (committed with the offsets by
 * {@link io.upbeat.processor.consume.LedgerStore}); daily table partitions ahead of time, and those
 * past the retention dropped.
 */
public final class SampleStore implements Effects<SampleWork> {
  private static final JsonFactory JSON = new JsonFactory();

  private final DataSource dataSource;
  private final int retentionDays;

  public SampleStore(DataSource dataSource, int retentionDays) {
    this.dataSource = dataSource;
    this.retentionDays = retentionDays;
  }

  @Override
  public int write(Connection c, List<Flush<SampleWork>> flushes) throws SQLException {
    int rows = insert(c, flushes);
    joinOrphans(c, flushes);
    TraceDecisions.write(c, flushes.stream().map(f -> f.work().traces()).toList());
    return rows;
  }

  /** Samples per statement: bounds one round trip's arrays (spans and contexts are ~1 KB each). */
  static final int CHUNK = 2_000;

  /**
   * Inserts the flushes' samples, {@link #CHUNK} per statement through arrays ({@code unnest}): one
   * statement's execution for many rows, rather than one per row as a JDBC batch of single-row
   * inserts costs PostgreSQL (about 2,000 samples a second under bench/intake-load).
   */
  private static int insert(Connection c, List<Flush<SampleWork>> flushes) throws SQLException {
    List<SampleWork.Sample> samples = new ArrayList<>();
    for (Flush<SampleWork> f : flushes) {
      samples.addAll(f.work().pending());
    }
    for (int from = 0; from < samples.size(); from += CHUNK) {
      insertChunk(c, samples.subList(from, Math.min(samples.size(), from + CHUNK)));
    }
    return samples.size();
  }

  private static void insertChunk(Connection c, List<SampleWork.Sample> samples)
      throws SQLException {
    int n = samples.size();
    SampleColumns columns = new SampleColumns(n);
    String[] spans = new String[n];
    String[] contexts = new String[n];
    for (int i = 0; i < n; i++) {
      SampleWork.Sample s = samples.get(i);
      columns.set(i, s.sampleId(), s.appId(), s.environment(), s.serviceVersion(), s.t());
      spans[i] = spansJson(s.t().spans());
      contexts[i] = s.t().contextJson();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO txn_samples ("
                + SampleColumns.COLUMNS
                + ", spans, context) SELECT "
                + SampleColumns.COLUMNS
                + ", spans::jsonb, context::jsonb FROM unnest("
                + SampleColumns.UNNEST
                + ", ?::text[], ?::text[]) AS r("
                + SampleColumns.COLUMNS
                + ", spans, context) ON CONFLICT DO NOTHING")) {
      int next = columns.bind(c, ps, 1);
      ps.setArray(next, c.createArrayOf("text", spans));
      ps.setArray(next + 1, c.createArrayOf("text", contexts));
      ps.executeUpdate();
    }
  }

  /**
   * Parks the flushes' orphan spans, then adds every parked orphan whose transaction's sample is
   * stored to that sample (start made relative to the sample's), and forgets those waiting for more
   * than 10 minutes. Spans keep their trace links ({@code id}, {@code parent_id}, {@code
   * destination}, {@code outcome}) when they have them. The orphans joined are locked ({@code SKIP
   * LOCKED}) and deleted in the same statement, so two processors never add the same span twice;
   * one that another flush holds is joined by the next flush. A sample takes orphans while it has
   * fewer than 1,000 spans.
   */
  private static void joinOrphans(Connection c, List<Flush<SampleWork>> flushes)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO txn_orphan_spans (app_id, trace_id, transaction_id, spans)"
                + " VALUES (?, ?, ?, ?::jsonb)")) {
      int n = 0;
      for (Flush<SampleWork> f : flushes) {
        for (SampleWork.Orphans o : f.work().orphans()) {
          ps.setObject(1, o.app());
          ps.setString(2, o.traceId());
          ps.setString(3, o.transactionId());
          ps.setString(4, orphansJson(o.spans()));
          ps.addBatch();
          n++;
        }
      }
      if (n > 0) {
        ps.executeBatch();
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute(
          """
          WITH joined AS (
            SELECT o.id, o.spans, s.sample_id, s.started_at
            FROM txn_orphan_spans o
            JOIN txn_samples s ON s.app_id = o.app_id AND s.trace_id = o.trace_id
              AND s.transaction_id = o.transaction_id
            WHERE s.started_at > now() - interval '1 day' AND jsonb_array_length(s.spans) < 1000
            FOR UPDATE OF o SKIP LOCKED
          ), added AS (
            UPDATE txn_samples s SET spans = s.spans || (
              SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                  'name', e->'name', 'type', e->'type',
                  'start_ms', greatest(0, (e->>'start_epoch_ms')::float8
                      - extract(epoch FROM s.started_at) * 1000),
                  'duration_ms', e->'duration_ms',
                  'id', e->'id', 'parent_id', e->'parent_id',
                  'destination', e->'destination', 'outcome', e->'outcome'))), '[]'::jsonb)
              FROM joined j, jsonb_array_elements(j.spans) e
              WHERE j.sample_id = s.sample_id AND j.started_at = s.started_at)
            FROM (SELECT DISTINCT sample_id, started_at FROM joined) t
            WHERE s.sample_id = t.sample_id AND s.started_at = t.started_at
          )
          DELETE FROM txn_orphan_spans WHERE id IN (SELECT id FROM joined)
          """);
      s.execute("DELETE FROM txn_orphan_spans WHERE received_at < now() - interval '10 minutes'");
    }
  }

  static String orphansJson(List<io.upbeat.events.OrphanSpan> spans) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartArray();
      for (io.upbeat.events.OrphanSpan o : spans) {
        g.writeStartObject();
        g.writeStringProperty("name", o.span().name() == null ? "unnamed" : o.span().name());
        g.writeStringProperty("type", o.span().type() == null ? "app" : o.span().type());
        g.writeNumberProperty(
            "start_epoch_ms",
            o.startedAt().getEpochSecond() * 1000 + o.startedAt().getNano() / 1e6);
        g.writeNumberProperty(
            "duration_ms", o.span().durationMs() == null ? 0 : o.span().durationMs());
        writeLinks(g, o.span());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    return out.toString();
  }

  static String spansJson(List<Span> spans) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartArray();
      for (Span s : spans) {
        g.writeStartObject();
        if (s.name() != null) {
          g.writeStringProperty("name", s.name());
        }
        if (s.type() != null) {
          g.writeStringProperty("type", s.type());
        }
        if (s.startMs() != null) {
          g.writeNumberProperty("start_ms", s.startMs());
        }
        if (s.durationMs() != null) {
          g.writeNumberProperty("duration_ms", s.durationMs());
        }
        writeLinks(g, s);
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    return out.toString();
  }

  /** A span's trace links, each only when known (V36: the trace view reads them). */
  private static void writeLinks(JsonGenerator g, Span s) {
    if (s.id() != null) {
      g.writeStringProperty("id", s.id());
    }
    if (s.parentId() != null) {
      g.writeStringProperty("parent_id", s.parentId());
    }
    if (s.destination() != null) {
      g.writeStringProperty("destination", s.destination());
    }
    if (s.outcome() != null) {
      g.writeStringProperty("outcome", s.outcome());
    }
  }

  @Override
  public void prepare(LocalDate today) throws SQLException {
    Rollups.maintainPartitions(
        dataSource,
        c -> {
          try (Statement s = c.createStatement()) {
            for (LocalDate d = today.minusDays(retentionDays);
                !d.isAfter(today.plusDays(2));
                d = d.plusDays(1)) {
              Rollups.createPartition(
                  s,
                  "txn_samples",
                  d.toString().replace("-", ""),
                  d.atStartOfDay(),
                  d.plusDays(1).atStartOfDay());
            }
          }
          Rollups.dropOlder(c, "txn_samples", today.minusDays(retentionDays));
        });
  }
}
