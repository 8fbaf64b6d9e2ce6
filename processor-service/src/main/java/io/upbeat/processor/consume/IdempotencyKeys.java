package io.upbeat.processor.consume;

import io.upbeat.events.EventBatch;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The idempotency keys a pipeline committed ({@code idempotency_keys}, contract "Idempotent
 * intake"): a record carrying a key (intake writes the request's {@code Idempotency-Key} in {@link
 * #RECORD_HEADER}) is counted once per pipeline and app within {@link #WINDOW}, however often the
 * client retried it and wherever the retries landed.
 *
 * <p>The keys of a commit's records are inserted inside the commit's transaction, before its
 * effects ({@link #claim}): a key already committed by another partition or processor makes the
 * commit fail with {@link DuplicatesException} and roll back, and the pipeline commits again
 * without the records carrying it. The primary key is the fence: of two transactions inserting the
 * same key, the second waits for the first and sees its row (or takes the key if the first rolled
 * back). Checking before the commit could not close that race, and would cost a query per poll for
 * what the insert learns anyway, so there is no separate check: a duplicate costs one rolled-back
 * transaction, rarely.
 */
public final class IdempotencyKeys {
  /** The Kafka record header intake writes the key in (see intake's {@code IdempotencyKey}). */
  public static final String RECORD_HEADER = "upbeat-idempotency-key";

  /** How long a committed key makes its retries duplicates (the contract's 24 hours). */
  public static final Duration WINDOW = Duration.ofHours(24);

  /** A record's key within its app. */
  public record Key(UUID app, String key) {}

  /**
   * Keys of the commit's records that another commit had already claimed within the window: the
   * transaction rolled back; the records carrying them are duplicates.
   */
  public static final class DuplicatesException extends RuntimeException {
    private final Set<Key> keys;

    DuplicatesException(Set<Key> keys) {
      super(keys.size() + " idempotency key(s) already committed", null, false, false);
      this.keys = Set.copyOf(keys);
    }

    public Set<Key> keys() {
      return keys;
    }
  }

  private final DataSource dataSource;
  private final Clock clock;

  public IdempotencyKeys(DataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  /**
   * The key of {@code r} (whose batch is {@code batch}), or null when it carries none or one no
   * client key could give (then it is counted as an unkeyed record: never dropped on a doubt).
   */
  static Key of(ConsumerRecord<byte[], byte[]> r, EventBatch batch) {
    Header h = r.headers().lastHeader(RECORD_HEADER);
    if (h == null || h.value() == null || h.value().length == 0 || h.value().length > 256) {
      return null;
    }
    for (byte b : h.value()) {
      if (b < 0x1F || b > 0x7E) {
        return null;
      }
    }
    return new Key(batch.appId(), new String(h.value(), StandardCharsets.US_ASCII));
  }

  /**
   * Inserts {@code keys} for {@code pipeline} on {@code c} (inside the commit's transaction),
   * reclaiming rows older than {@link #WINDOW}.
   *
   * @throws DuplicatesException if some were committed within the window: nothing of this
   *     transaction may be committed
   */
  void claim(Connection c, String pipeline, Collection<Key> keys) throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    // One order for every transaction: two commits claiming overlapping keys wait, never deadlock.
    List<Key> sorted = new ArrayList<>(keys);
    sorted.sort(Comparator.comparing(Key::app).thenComparing(Key::key));
    Instant now = clock.instant();
    Set<Key> claimed = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO idempotency_keys AS k (app_id, pipeline, key, seen_at)
            SELECT a, ?, key, ? FROM unnest(?::uuid[], ?::text[]) WITH ORDINALITY AS t(a, key, i)
            ORDER BY i
            ON CONFLICT (app_id, pipeline, key)
            DO UPDATE SET seen_at = EXCLUDED.seen_at WHERE k.seen_at < ?
            RETURNING app_id, key
            """)) {
      ps.setString(1, pipeline);
      ps.setTimestamp(2, Timestamp.from(now));
      ps.setArray(3, c.createArrayOf("uuid", sorted.stream().map(Key::app).toArray()));
      ps.setArray(4, c.createArrayOf("text", sorted.stream().map(Key::key).toArray()));
      ps.setTimestamp(5, Timestamp.from(now.minus(WINDOW)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          claimed.add(new Key(rs.getObject(1, UUID.class), rs.getString(2)));
        }
      }
    }
    if (claimed.size() < sorted.size()) {
      Set<Key> duplicates = new HashSet<>(sorted);
      duplicates.removeAll(claimed);
      throw new DuplicatesException(duplicates);
    }
  }

  /**
   * Deletes up to {@code limit} keys older than {@link #WINDOW}, skipping rows another transaction
   * holds (a commit reclaiming one, or another processor's run of this job), so processors running
   * it together never wait on each other.
   *
   * @return the keys deleted
   */
  public int deleteExpired(int limit) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
                DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
                  SELECT ctid FROM idempotency_keys WHERE seen_at < ?
                  LIMIT ? FOR UPDATE SKIP LOCKED))
                """)) {
      ps.setTimestamp(1, Timestamp.from(clock.instant().minus(WINDOW)));
      ps.setInt(2, limit);
      return ps.executeUpdate();
    }
  }
}
