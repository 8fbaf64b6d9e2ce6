package io.upbeat.api.servicemap;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.params.MinuteWindow;
import io.upbeat.api.params.Problems;
import io.upbeat.api.security.CurrentUser;
import java.time.Clock;
import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The org's service map: which of its apps call which (and which outside services), how often, how
 * often failing and how fast. Org-scoped like a trace; any member may read it.
 */
@RestController
class ServiceMapController {
  static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

  /** Longer than the minute rows are kept (7 days by default), so any kept window fits. */
  static final Duration MAX_WINDOW = Duration.ofDays(31);

  private final AccessControl access;
  private final ServiceMapService maps;
  private final Clock clock;

  ServiceMapController(AccessControl access, ServiceMapService maps, Clock clock) {
    this.access = access;
    this.maps = maps;
    this.clock = clock;
  }

  @GetMapping(
      path = "/api/v1/orgs/{orgId}/service-map",
      produces = MediaType.APPLICATION_JSON_VALUE)
  ServiceMap serviceMap(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String environment) {
    var org = access.org(user, orgId);
    Problems problems = new Problems();
    MinuteWindow window =
        MinuteWindow.parse(from, to, problems, clock.instant(), DEFAULT_WINDOW, MAX_WINDOW);
    String env = problems.environment(environment);
    problems.throwIfAny();
    return maps.map(org.orgId(), window, env);
  }
}
