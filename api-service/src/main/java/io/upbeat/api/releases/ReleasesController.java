package io.upbeat.api.releases;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.params.Problems;
import io.upbeat.api.releases.ReleasePayloads.LatestRelease;
import io.upbeat.api.releases.ReleasePayloads.ReleaseDetail;
import io.upbeat.api.releases.ReleasePayloads.ReleaseList;
import io.upbeat.api.releases.ReleasePayloads.ReleaseRequest;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Release tracking: CI posts each deploy, people list and inspect them. */
@RestController
@RequestMapping(path = "/api/v1/apps/{appId}/releases", produces = MediaType.APPLICATION_JSON_VALUE)
class ReleasesController {
  static final String DEFAULT_ENVIRONMENT = "production";

  private final AccessControl access;
  private final ReleaseService releases;

  ReleasesController(AccessControl access, ReleaseService releases) {
    this.access = access;
    this.releases = releases;
  }

  /**
   * Records a deploy: 201 the first time for a version and environment, 200 when posted again
   * (commits merged by sha), so CI may retry freely. Takes the app's CI token or a member's key.
   */
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ReleaseDetail> post(
      @AuthenticationPrincipal Object caller,
      @PathVariable String appId,
      @Valid @RequestBody ReleaseRequest request) {
    AppAccess app = access.app(caller, appId);
    ReleaseService.Posted posted = releases.post(app.id(), request);
    return ResponseEntity.status(posted.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(posted.release());
  }

  /** The app's releases, newest deploy first. */
  @GetMapping
  ReleaseList list(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String limit) {
    AppAccess app = access.app(user, appId);
    Problems problems = new Problems();
    int max = problems.integer("limit", limit, 1, 200, 50);
    problems.throwIfAny();
    return new ReleaseList(releases.list(app.id(), environment, max));
  }

  /**
   * The environment's newest deploy, so the release command can list only the commits since its
   * {@code head_sha}: for the app's CI token (the one GET it may call) and members. This literal
   * path wins over {@code /{version}}, so a release named {@code latest} is not reachable by name;
   * it is still listed, and served here while it is the newest.
   */
  @GetMapping("/latest")
  LatestRelease latest(
      @AuthenticationPrincipal Object caller,
      @PathVariable String appId,
      @RequestParam(required = false) String environment) {
    AppAccess app = access.app(caller, appId);
    return releases
        .latest(app.id(), environment(environment))
        .orElseThrow(() -> ApiException.notFound("The app's release"));
  }

  @GetMapping("/{version}")
  ReleaseDetail get(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String version,
      @RequestParam(required = false) String environment) {
    AppAccess app = access.app(user, appId);
    return releases
        .detail(app.id(), version, environment(environment))
        .orElseThrow(() -> ApiException.notFound("The release"));
  }

  private static String environment(String environment) {
    return environment == null || environment.isBlank() ? DEFAULT_ENVIRONMENT : environment;
  }
}
