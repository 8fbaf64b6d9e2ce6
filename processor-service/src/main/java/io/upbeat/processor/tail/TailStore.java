package io.upbeat.processor.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.processor.consume.Effects;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.consume.WorkStore.Flush;
import io.upbeat.processor.samples.SampleColumns;
import io.upbeat.processor.samples.SampleStore;
import io.upbeat.processor.tail.TailWork.Candidate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The tail pipeline's writes: the flushes' candidates (transactions of traces in {@code
 * tail_traces}, {@link TailWork}) are stored as samples ({@code kept = 'tail'}, no spans), at most
 * {@code maxPerAppMinute} tail samples per app and minute of their start (counted over every
 * partition and processor, from the table; two commits at once may each fill the room they saw).
 * Committed with the offsets by {@link io.upbeat.processor.consume.LedgerStore}.
 *
 * <p>Counted once committed ({@link #through}): {@code upbeat.processor.samples{result="tail"}} for
 * the samples stored, {@code result="tail_over_cap"} for those the cap left out.
 */
public final class TailStore implements Effects<TailWork> {
  private final SampleStore samples;
  private final int maxPerAppMinute;
  private final Counter kept;
  private final Counter overCap;
  // What the last write stored and left out: the committed one's, read once the commit succeeded
  // (one pipeline thread writes through this store).
  private int lastKept;
  private int lastOverCap;

  /**
   * @param retentionDays days of samples kept (the table's daily partitions, made by the samples
   *     pipeline's store, are made here too: the tail pipeline may write first on a new day)
   * @param maxPerAppMinute tail samples per app and minute at most
   */
  public TailStore(
      DataSource dataSource, int retentionDays, int maxPerAppMinute, MeterRegistry meters) {
    if (maxPerAppMinute < 0) {
      throw new IllegalArgumentException(
          "tail samples per app and minute must not be negative: " + maxPerAppMinute);
    }
    this.samples = new SampleStore(dataSource, retentionDays);
    this.maxPerAppMinute = maxPerAppMinute;
    this.kept = meters.counter("upbeat.processor.samples", "result", "tail");
    this.overCap = meters.counter("upbeat.processor.samples", "result", "tail_over_cap");
  }

  @Override
  public void prepare(LocalDate today) throws SQLException {
    samples.prepare(today);
  }

  @Override
  public int write(Connection c, List<Flush<TailWork>> flushes) throws SQLException {
    lastKept = 0;
    lastOverCap = 0;
    List<Candidate> all = new ArrayList<>();
    for (Flush<TailWork> f : flushes) {
      all.addAll(f.work().candidates());
    }
    if (all.isEmpty()) {
      return 0;
    }
    int inserted = insert(c, all);
    lastKept = inserted;
    lastOverCap = all.size() - inserted;
    return inserted;
  }

  /**
   * This store committed through {@code ledger} (fence, effects, advance in one transaction, as
   * {@link LedgerStore}), counting what each commit stored once it succeeded.
   */
  public WorkStore<TailWork> through(OffsetLedger ledger) {
    LedgerStore<TailWork> store = new LedgerStore<>(ledger, this);
    return new WorkStore<>() {
      @Override
      public Map<Integer, Long> claim(String topic, Map<Integer, Long> logStarts)
          throws SQLException {
        return store.claim(topic, logStarts);
      }

      @Override
      public int commit(String topic, List<Flush<TailWork>> flushes) throws SQLException {
        int rows = store.commit(topic, flushes);
        kept.increment(lastKept);
        overCap.increment(lastOverCap);
        return rows;
      }

      @Override
      public void prepare(LocalDate today) throws SQLException {
        store.prepare(today);
      }
    };
  }

  /**
   * Inserts the matched candidates, within each app and minute's room: the cap less the tail
   * samples stored already. A candidate stored before (a replay) is not stored again.
   *
   * @return the samples inserted
   */
  private int insert(Connection c, List<Candidate> matched) throws SQLException {
    SampleColumns columns = new SampleColumns(matched.size());
    for (int i = 0; i < matched.size(); i++) {
      Candidate m = matched.get(i);
      columns.set(i, m.sampleId(), m.appId(), m.environment(), m.serviceVersion(), m.t());
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            WITH c AS (
              SELECT * FROM unnest(%s) WITH ORDINALITY
                AS c(%s, ord)
            ), ranked AS (
              SELECT c.*, date_trunc('minute', c.started_at) AS minute,
                row_number() OVER (PARTITION BY c.app_id, date_trunc('minute', c.started_at)
                  ORDER BY c.ord) AS n
              FROM c
            ), room AS (
              SELECT m.app_id, m.minute, ? - (
                SELECT count(*) FROM txn_samples s
                WHERE s.kept = 'tail' AND s.app_id = m.app_id
                  AND s.started_at >= m.minute AND s.started_at < m.minute + interval '1 minute'
              ) AS left_over
              FROM (SELECT DISTINCT app_id, minute FROM ranked) m
            )
            INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name,
                started_at, duration_ms, transaction_id, trace_id, result, outcome,
                service_version, spans, context, parent_id, kept)
            SELECT r.sample_id, r.app_id, r.environment, r.txn_type, r.txn_name, r.started_at,
                r.duration_ms, r.transaction_id, r.trace_id, r.result, r.outcome,
                r.service_version, '[]'::jsonb, NULL, r.parent_id, 'tail'
            FROM ranked r JOIN room USING (app_id, minute)
            WHERE r.n <= room.left_over
            ORDER BY r.ord
            ON CONFLICT DO NOTHING
            """
                .formatted(SampleColumns.UNNEST, SampleColumns.COLUMNS))) {
      int next = columns.bind(c, ps, 1);
      ps.setInt(next, maxPerAppMinute);
      return ps.executeUpdate();
    }
  }
}
