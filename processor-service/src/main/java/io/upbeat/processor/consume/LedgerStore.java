package io.upbeat.processor.consume;

import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * The one seam between a pipeline's {@link Effects} and its offsets: every pipeline's store is its
 * effects committed through an {@link OffsetLedger} (fence, effects, advance in one transaction).
 */
public final class LedgerStore<W extends PartitionWork> implements WorkStore<W> {
  private final OffsetLedger ledger;
  private final Effects<W> effects;

  public LedgerStore(OffsetLedger ledger, Effects<W> effects) {
    this.ledger = ledger;
    this.effects = effects;
  }

  @Override
  public Map<Integer, Long> claim(String topic, Map<Integer, Long> logStarts) throws SQLException {
    return ledger.claim(topic, logStarts);
  }

  @Override
  public int commit(String topic, List<Flush<W>> flushes) throws SQLException {
    return ledger.commit(topic, flushes, effects);
  }

  @Override
  public void prepare(LocalDate today) throws SQLException {
    effects.prepare(today);
  }
}
