package io.upbeat.processor.errors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.processor.consume.PartitionWork;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/** One partition's errors since the last flush, grouped. */
public final class ErrorWork implements PartitionWork {
  /** A group: the app and the grouping fingerprint. */
  record GroupKey(UUID app, String fingerprint) implements Comparable<GroupKey> {
    @Override
    public int compareTo(GroupKey o) {
      int c = app.compareTo(o.app);
      return c != 0 ? c : fingerprint.compareTo(o.fingerprint);
    }
  }

  private final Map<GroupKey, GroupDelta> groups = new HashMap<>();
  private final int keep;
  private final Counter errors;

  private ErrorWork(int keep, Counter errors) {
    this.keep = keep;
    this.errors = errors;
  }

  public static Supplier<ErrorWork> factory(int occurrencesPerGroup, MeterRegistry meters) {
    Counter errors = meters.counter("upbeat.processor.errors");
    return () -> new ErrorWork(occurrencesPerGroup, errors);
  }

  @Override
  public void add(EventBatch batch) {
    for (ErrorEvent e : batch.errors()) {
      GroupKey key = new GroupKey(batch.appId(), ErrorGrouping.fingerprint(e));
      groups
          .computeIfAbsent(key, k -> new GroupDelta(keep))
          .add(e, batch.service().environment(), batch.service().version());
    }
    errors.increment(batch.errors().size());
  }

  Map<GroupKey, GroupDelta> groups() {
    return groups;
  }

  @Override
  public void clear() {
    groups.clear();
  }
}
