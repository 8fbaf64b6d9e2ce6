package io.upbeat.processor.errors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.assignment.InAppRule;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.processor.consume.PartitionWork;
import io.upbeat.processor.tail.TraceDecisions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One partition's errors since the last flush, grouped; the traces they happened in are recorded
 * for the tail decision ({@link TraceDecisions}), in the same commit.
 */
public final class ErrorWork implements PartitionWork {
  /** A group: the app and the grouping fingerprint. */
  record GroupKey(UUID app, String fingerprint) implements Comparable<GroupKey> {
    @Override
    public int compareTo(GroupKey o) {
      int c = app.compareTo(o.app);
      return c != 0 ? c : fingerprint.compareTo(o.fingerprint);
    }
  }

  /**
   * An error whose frames lack {@code in_app} while its app's rule is not cached: grouped in the
   * flush, which loads the rule (its group depends on which frames are in-app).
   */
  record Undecided(UUID app, ErrorEvent error, String environment, String release) {}

  private final Map<GroupKey, GroupDelta> groups = new HashMap<>();
  private final List<Undecided> undecided = new ArrayList<>();
  private final int keep;
  private final Counter errors;
  private final InAppRules inApp;
  private final Wrappers wrappers;
  private final TraceDecisions traces;

  private ErrorWork(
      int keep, Counter errors, InAppRules inApp, Wrappers wrappers, TraceDecisions.Policy tail) {
    this.keep = keep;
    this.errors = errors;
    this.inApp = inApp;
    this.wrappers = wrappers;
    this.traces = new TraceDecisions(tail);
  }

  public static Supplier<ErrorWork> factory(int occurrencesPerGroup, MeterRegistry meters) {
    return factory(occurrencesPerGroup, meters, new InAppRules());
  }

  /**
   * @param inApp the apps' in-app rules, shared with the pipeline's {@link ErrorStore}
   */
  public static Supplier<ErrorWork> factory(
      int occurrencesPerGroup, MeterRegistry meters, InAppRules inApp) {
    return factory(occurrencesPerGroup, meters, inApp, Wrappers.defaults());
  }

  /**
   * @param inApp the apps' in-app rules, shared with the pipeline's {@link ErrorStore}
   * @param wrappers the exceptions skipped to name and group an error, as the store's
   */
  public static Supplier<ErrorWork> factory(
      int occurrencesPerGroup, MeterRegistry meters, InAppRules inApp, Wrappers wrappers) {
    return factory(occurrencesPerGroup, meters, inApp, wrappers, TraceDecisions.Policy.NONE);
  }

  /**
   * @param inApp the apps' in-app rules, shared with the pipeline's {@link ErrorStore}
   * @param wrappers the exceptions skipped to name and group an error, as the store's
   * @param tail how the traces of errors are recorded for the tail decision
   */
  public static Supplier<ErrorWork> factory(
      int occurrencesPerGroup,
      MeterRegistry meters,
      InAppRules inApp,
      Wrappers wrappers,
      TraceDecisions.Policy tail) {
    Counter errors = meters.counter("upbeat.processor.errors");
    return () -> new ErrorWork(occurrencesPerGroup, errors, inApp, wrappers, tail);
  }

  @Override
  public void add(EventBatch batch) {
    group(batch);
    errors.increment(batch.errors().size());
    for (ErrorEvent e : batch.errors()) {
      traces.offer(batch.appId(), e.traceId(), TraceDecisions.Reason.ERROR);
    }
  }

  /** As {@link #add}, counted once already. */
  @Override
  public void replay(EventBatch batch, PartitionWork origin) {
    group(batch);
    for (ErrorEvent e : batch.errors()) {
      traces.replay(
          batch.appId(), e.traceId(), TraceDecisions.Reason.ERROR, ((ErrorWork) origin).traces);
    }
  }

  private void group(EventBatch batch) {
    String environment = batch.service().environment();
    String release = batch.service().version();
    for (ErrorEvent e : batch.errors()) {
      ErrorEvent error = e;
      if (InAppRules.needed(e)) {
        InAppRule rule = inApp.cached(batch.appId());
        if (rule == null) {
          undecided.add(new Undecided(batch.appId(), e, environment, release));
          continue;
        }
        error = InAppRules.apply(e, rule);
      }
      group(groups, keep, wrappers, batch.appId(), error, environment, release);
    }
  }

  static void group(
      Map<GroupKey, GroupDelta> into,
      int keep,
      Wrappers wrappers,
      UUID app,
      ErrorEvent e,
      String environment,
      String release) {
    ErrorGrouping.Keys keys = ErrorGrouping.keys(e, wrappers);
    GroupKey key = new GroupKey(app, keys.fingerprint());
    into.computeIfAbsent(key, k -> new GroupDelta(keep))
        .add(e, wrappers.unwrap(e.exception()), keys.legacy(), environment, release);
  }

  Map<GroupKey, GroupDelta> groups() {
    return groups;
  }

  List<Undecided> undecided() {
    return undecided;
  }

  /** The traces of these errors, written with them. */
  TraceDecisions traces() {
    return traces;
  }

  /** Empties the work to replay it: the traces recorded stay (see {@link TraceDecisions}). */
  @Override
  public void rewind() {
    groups.clear();
    undecided.clear();
    traces.rewind();
  }

  @Override
  public void clear() {
    rewind();
    traces.clear();
  }
}
