package io.upbeat.events;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Mapping that copies only when something changed: the rewriters of a batch on intake's hot path
 * (scrubbing, making text storable) hand back the very same list, and so the very same batch, when
 * none of its items needed a change, which is nearly always.
 */
public final class CopyOnChange {
  private CopyOnChange() {}

  /**
   * {@code items} with {@code f} applied to each: the same list instance when {@code f} returned
   * every item itself, else a new list; null for null.
   */
  public static <T> List<T> map(List<T> items, UnaryOperator<T> f) {
    if (items == null) {
      return null;
    }
    List<T> out = null;
    for (int i = 0; i < items.size(); i++) {
      T item = items.get(i);
      T mapped = f.apply(item);
      if (mapped != item && out == null) {
        out = new ArrayList<>(items.subList(0, i));
      }
      if (out != null) {
        out.add(mapped);
      }
    }
    return out == null ? items : out;
  }
}
