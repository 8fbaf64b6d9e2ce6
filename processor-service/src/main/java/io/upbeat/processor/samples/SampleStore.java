package io.upbeat.processor.samples;

import io.upbeat.events.Span;
import io.upbeat.events.TransactionEvent;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.rollup.Rollups;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The samples pipeline's writes: each partition's kept samples and its offset in one transaction;
 * daily table partitions ahead of time, and those past the retention dropped.
 */
public final class SampleStore implements WorkStore<SampleWork> {
  private static final JsonFactory JSON = new JsonFactory();

  private final DataSource dataSource;
  private final OffsetLedger ledger;
  private final int retentionDays;

  public SampleStore(DataSource dataSource, OffsetLedger ledger, int retentionDays) {
    this.dataSource = dataSource;
    this.ledger = ledger;
    this.retentionDays = retentionDays;
  }

  @Override
  public Map<Integer, Long> offsets(String topic, Collection<Integer> partitions)
      throws SQLException {
    return ledger.offsets(topic, partitions);
  }

  @Override
  public int commit(String topic, List<Flush<SampleWork>> flushes) throws SQLException {
    return ledger.commit(topic, flushes, SampleStore::insert);
  }

  private static int insert(Connection c, List<Flush<SampleWork>> flushes) throws SQLException {
    int n = 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name,
                started_at, duration_ms, transaction_id, trace_id, result, outcome,
                service_version, spans, context)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)
            ON CONFLICT DO NOTHING
            """)) {
      for (Flush<SampleWork> f : flushes) {
        for (SampleWork.Sample s : f.work().pending()) {
          TransactionEvent t = s.t();
          ps.setObject(1, s.sampleId());
          ps.setObject(2, s.appId());
          ps.setString(3, s.environment());
          ps.setString(4, t.type());
          ps.setString(5, t.name());
          ps.setTimestamp(6, Timestamp.from(t.timestamp()));
          ps.setDouble(7, t.durationMs());
          ps.setString(8, t.id());
          ps.setString(9, t.traceId());
          ps.setString(10, t.result());
          ps.setString(11, t.outcome());
          ps.setString(12, s.serviceVersion());
          ps.setString(13, spansJson(t.spans()));
          ps.setString(14, t.contextJson());
          ps.addBatch();
          n++;
        }
      }
      if (n > 0) {
        ps.executeBatch();
      }
    }
    return n;
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
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    return out.toString();
  }

  @Override
  public void prepare(LocalDate today) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SET TIME ZONE 'UTC'");
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
      Rollups.dropOlder(c, "txn_samples", today.minusDays(retentionDays));
    }
  }
}
