package io.upbeat.intake.auth;

import io.upbeat.events.AppScrubbingCodec;
import io.upbeat.events.Scrubber;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each app's {@link Scrubber}, built from the keys published next to its tokens ({@link
 * AppScrubbingCodec}); apps without keys of their own get {@link Scrubber#DEFAULT}. The scrubber
 * (and its automaton) is built once per change, when the record arrives, so the hot path costs one
 * map lookup: no database, no network.
 */
public final class ScrubbingTable {
  private final Map<UUID, Scrubber> byApp = new ConcurrentHashMap<>();

  /** The scrubber for {@code app}'s events. */
  public Scrubber forApp(UUID app) {
    return byApp.getOrDefault(app, Scrubber.DEFAULT);
  }

  /**
   * Applies one scrubbing record of the token topic: keys replace the app's, a tombstone (null
   * value) or an empty list leaves it with the defaults.
   *
   * @throws IllegalArgumentException for a key or value that is not a scrubbing record
   */
  public void apply(String key, byte[] value) {
    UUID app = AppScrubbingCodec.app(key);
    var keys = value == null ? java.util.List.<String>of() : AppScrubbingCodec.decode(value);
    if (keys.isEmpty()) {
      byApp.remove(app);
    } else {
      byApp.put(app, new Scrubber(keys));
    }
  }

  /** Apps with keys of their own. */
  public int size() {
    return byApp.size();
  }
}
