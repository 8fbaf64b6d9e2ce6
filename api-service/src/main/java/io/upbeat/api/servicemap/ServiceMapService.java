package io.upbeat.api.servicemap;

import io.upbeat.api.access.OrgApps;
import io.upbeat.api.params.MinuteWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * The service map of an org over a window, for a caller who may see the org: only its live apps (an
 * app pending deletion is left out, as everywhere), so another org's app never resolves a
 * destination even when it shares a trace id.
 */
@Service
class ServiceMapService {
  /**
   * How far back the traces are read to resolve destinations, at least: a quiet edge of the last
   * hour is still named after the app it calls when its last kept trace is a few hours old.
   */
  static final Duration RESOLUTION_WINDOW = Duration.ofHours(24);

  private final OrgApps orgApps;
  private final ServiceMapStore store;

  ServiceMapService(OrgApps orgApps, ServiceMapStore store) {
    this.orgApps = orgApps;
    this.store = store;
  }

  /**
   * @param environment the callers' environment, null for all
   */
  ServiceMap map(UUID org, MinuteWindow window, String environment) {
    Map<UUID, String> apps = orgApps.live(org);
    Instant widened = window.to().minus(RESOLUTION_WINDOW);
    Instant since = widened.isBefore(window.from()) ? widened : window.from();
    return ServiceMapAssembler.assemble(
        window.from(),
        window.to(),
        environment,
        apps,
        store.calls(apps.keySet(), window.from(), window.to(), environment),
        store.evidence(apps.keySet(), since, window.from(), window.to()));
  }
}
