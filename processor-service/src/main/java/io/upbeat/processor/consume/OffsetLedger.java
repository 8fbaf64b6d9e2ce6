package io.upbeat.processor.consume;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * A pipeline's offsets in {@code processor_offsets} ("offsets outside Kafka"): read on assignment,
 * and checked and moved inside the transaction that writes the effects.
 */
public final class OffsetLedger {
  private final DataSource dataSource;
  private final String pipeline;
  private final IdempotencyKeys keys;

  public OffsetLedger(DataSource dataSource, String pipeline) {
    this(dataSource, pipeline, Clock.systemUTC());
  }

  /**
   * @param clock when keys are committed, and so when they expire (see {@link IdempotencyKeys})
   */
  public OffsetLedger(DataSource dataSource, String pipeline, Clock clock) {
    this.dataSource = dataSource;
    this.pipeline = pipeline;
    this.keys = new IdempotencyKeys(dataSource, clock);
  }

  /** The partition was written by another processor since this one read its offset. */
  public static final class FencedException extends RuntimeException {
    FencedException(int partition) {
      super("partition " + partition + " was taken over by another processor", null, false, false);
    }
  }

  public Map<Integer, Long> offsets(String topic, Collection<Integer> partitions)
      throws SQLException {
    Map<Integer, Long> offsets = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT partition, next_offset FROM processor_offsets"
                    + " WHERE pipeline = ? AND topic = ? AND partition = ANY (?)")) {
      ps.setString(1, pipeline);
      ps.setString(2, topic);
      ps.setArray(3, c.createArrayOf("integer", partitions.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          offsets.put(rs.getInt(1), rs.getLong(2));
        }
      }
    }
    return offsets;
  }

  /**
   * Inserts an offset row at {@code logStarts}' offset for each partition that has none (a fresh
   * pipeline or partition), then reads every partition's stored offset. With the row present before
   * any effects, two processors that both believe they own a partition during a rebalance are
   * fenced from its very first commit.
   */
  public Map<Integer, Long> claim(String topic, Map<Integer, Long> logStarts) throws SQLException {
    List<Integer> partitions = List.copyOf(logStarts.keySet());
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
                INSERT INTO processor_offsets (pipeline, topic, partition, next_offset)
                SELECT ?, ?, p, o FROM unnest(?::int[], ?::bigint[]) AS t(p, o)
                ORDER BY p
                ON CONFLICT (pipeline, topic, partition) DO NOTHING
                """)) {
      ps.setString(1, pipeline);
      ps.setString(2, topic);
      ps.setArray(3, c.createArrayOf("integer", partitions.toArray()));
      ps.setArray(4, c.createArrayOf("bigint", partitions.stream().map(logStarts::get).toArray()));
      ps.executeUpdate();
    }
    return offsets(topic, partitions);
  }

  /** Locks the partition's offset row and checks it still holds {@code expected}. */
  public void fence(Connection c, String topic, int partition, Long expected) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT next_offset FROM processor_offsets"
                + " WHERE pipeline = ? AND topic = ? AND partition = ? FOR UPDATE")) {
      ps.setString(1, pipeline);
      ps.setString(2, topic);
      ps.setInt(3, partition);
      try (ResultSet rs = ps.executeQuery()) {
        Long stored = rs.next() ? rs.getLong(1) : null;
        if (!Objects.equals(stored, expected)) {
          throw new FencedException(partition);
        }
      }
    }
  }

  public void advance(Connection c, String topic, int partition, long nextOffset)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO processor_offsets (pipeline, topic, partition, next_offset, updated_at)
            VALUES (?, ?, ?, ?, now())
            ON CONFLICT (pipeline, topic, partition)
            DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
            """)) {
      ps.setString(1, pipeline);
      ps.setString(2, topic);
      ps.setInt(3, partition);
      ps.setLong(4, nextOffset);
      ps.executeUpdate();
    }
  }

  /**
   * A pipeline's commit: in one transaction, fences every partition of the flush (see {@link
   * #fence}), claims the records' idempotency keys (before the effects, so a duplicate costs
   * little), writes the effects, and moves every partition's offset.
   *
   * @return what {@code effects} returns (rows written, for the pipeline's metrics)
   * @throws FencedException if another processor wrote a partition since this one read it
   * @throws IdempotencyKeys.DuplicatesException if a record's key was committed already
   */
  public <W extends PartitionWork> int commit(
      String topic, List<WorkStore.Flush<W>> flushes, Effects<W> effects) throws SQLException {
    int[] rows = {0};
    inTransaction(
        c -> {
          for (WorkStore.Flush<W> f : flushes) {
            fence(c, topic, f.partition(), f.startOffset());
          }
          Set<IdempotencyKeys.Key> claimed = new HashSet<>();
          for (WorkStore.Flush<W> f : flushes) {
            claimed.addAll(f.keys());
          }
          keys.claim(c, pipeline, claimed);
          rows[0] = effects.write(c, flushes);
          for (WorkStore.Flush<W> f : flushes) {
            advance(c, topic, f.partition(), f.nextOffset());
          }
        });
    return rows[0];
  }

  /** Runs {@code body} in one transaction on a fresh connection. */
  public void inTransaction(SqlBody body) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        body.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** Work inside a transaction. */
  @FunctionalInterface
  public interface SqlBody {
    void run(Connection c) throws SQLException;
  }
}
