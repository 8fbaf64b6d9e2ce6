package io.upbeat.api.servicemap;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.OrgApps;
import io.upbeat.api.metrics.Range;
import io.upbeat.api.params.MinuteWindow;
import io.upbeat.api.params.Problems;
import io.upbeat.api.security.CurrentUser;
import java.time.Clock;
import java.util.UUID;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The org's service map page ({@code GET /orgs/{org}/service-map?range=&environment=}): the API's
 * answer for the selected range drawn as a graph (server-rendered SVG, no script) above the table
 * of its edges. Same access as the API: any member, 404 for everybody else.
 */
@Controller
class ServiceMapPages {
  private final AccessControl access;
  private final OrgApps orgApps;
  private final ServiceMapService maps;
  private final Clock clock;

  ServiceMapPages(AccessControl access, OrgApps orgApps, ServiceMapService maps, Clock clock) {
    this.access = access;
    this.orgApps = orgApps;
    this.maps = maps;
    this.clock = clock;
  }

  @GetMapping("/orgs/{orgId}/service-map")
  String map(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(required = false) String range,
      @RequestParam(required = false) String environment,
      Model model) {
    UUID org = access.org(user, orgId).orgId();
    Problems problems = new Problems();
    String env = problems.environment(environment);
    problems.throwIfAny();
    Range r = Range.parse(range);
    MinuteWindow window = r.window(clock);
    ServiceMap map = maps.map(org, window, env);
    model.addAttribute("orgId", org);
    model.addAttribute("orgName", orgApps.orgName(org));
    model.addAttribute("range", r);
    model.addAttribute("ranges", Range.values());
    model.addAttribute("window", window);
    model.addAttribute("environment", env);
    model.addAttribute("map", map);
    model.addAttribute("layout", MapLayout.of(map, window.minutes()));
    return "servicemap/map";
  }
}
