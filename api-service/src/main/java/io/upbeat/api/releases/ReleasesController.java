package io.upbeat.api.releases;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.releases.ReleasePayloads.LatestRelease;
import io.upbeat.api.releases.ReleasePayloads.ReleaseDetail;
import io.upbeat.api.releases.ReleasePayloads.ReleaseList;
import io.upbeat.api.releases.ReleasePayloads.ReleaseRequest;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.validation.Valid;
import java.util.List;
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
    return new ReleaseList(releases.list(app.id(), environment, limit(limit)));
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

  private static int limit(String limit) {
    if (limit == null) {
      return 50;
    }
    try {
      int n = Integer.parseInt(limit);
      if (n >= 1 && n <= 200) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ApiException(
        ErrorCode.INVALID_PAYLOAD,
        "The request is invalid.",
        List.of(new ErrorBody.Detail("limit", "must be a whole number from 1 to 200")));
  }
}
