package io.upbeat.api.releases;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.environments.Environments;
import io.upbeat.api.metrics.MetricsService;
import io.upbeat.api.metrics.MetricsService.WindowP95;
import io.upbeat.api.releases.ReleasePayloads.ReleaseDetail;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * An app's releases: the list (newest deploy first) and one release with its commits, the error
 * groups it introduced, and how the app's p95 response time moved across the deploy.
 */
@Controller
@RequestMapping("/apps/{appId}/releases")
class ReleasePages {
  /** The list shows this many of the newest releases (the API's largest page). */
  static final int LIST_LIMIT = 200;

  /** Response times are compared over this long before and after the deploy. */
  static final Duration AROUND = Duration.ofHours(1);

  private final AccessControl access;
  private final ReleaseService releases;
  private final MetricsService metrics;
  private final Environments environments;
  private final Clock clock;

  ReleasePages(
      AccessControl access,
      ReleaseService releases,
      MetricsService metrics,
      Environments environments,
      Clock clock) {
    this.access = access;
    this.releases = releases;
    this.metrics = metrics;
    this.environments = environments;
    this.clock = clock;
  }

  /**
   * The p95 in the hour before the deploy's minute and in the hour from it.
   *
   * @param changePercent the after value's change relative to the before value; null unless both
   *     exist
   * @param afterComplete false while the hour after the deploy is still running
   */
  record Comparison(
      Instant from,
      Instant deployMinute,
      Instant to,
      WindowP95 before,
      WindowP95 after,
      Double changePercent,
      boolean afterComplete) {}

  @GetMapping
  String list(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String environment,
      Model model) {
    AppAccess app = access.app(user, appId);
    String env = environment == null || environment.isBlank() ? null : environment;
    model.addAttribute("app", app);
    model.addAttribute("environment", env);
    model.addAttribute("environments", environments.list(app.id()));
    model.addAttribute("releases", releases.list(app.id(), env, LIST_LIMIT));
    model.addAttribute(
        "apiUrl", ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString());
    return "releases/list";
  }

  @GetMapping("/{version}")
  String detail(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String version,
      @RequestParam(required = false) String environment,
      Model model) {
    AppAccess app = access.app(user, appId);
    String env =
        environment == null || environment.isBlank()
            ? ReleasesController.DEFAULT_ENVIRONMENT
            : environment;
    ReleaseDetail release =
        releases
            .detail(app.id(), version, env)
            .orElseThrow(() -> ApiException.notFound("The release"));
    model.addAttribute("app", app);
    model.addAttribute("release", release);
    model.addAttribute("comparison", compare(app, release));
    return "releases/detail";
  }

  private Comparison compare(AppAccess app, ReleaseDetail release) {
    // Metrics are kept per minute: the deploy's minute is the first one "after".
    Instant deploy = release.deployedAt().truncatedTo(ChronoUnit.MINUTES);
    Instant from = deploy.minus(AROUND);
    Instant to = deploy.plus(AROUND);
    WindowP95 before = metrics.p95(app.id(), from, deploy, release.environment());
    WindowP95 after = metrics.p95(app.id(), deploy, to, release.environment());
    Double change =
        before.p95Ms() != null && after.p95Ms() != null && before.p95Ms() > 0
            ? (after.p95Ms() - before.p95Ms()) / before.p95Ms() * 100
            : null;
    return new Comparison(from, deploy, to, before, after, change, !to.isAfter(clock.instant()));
  }
}
