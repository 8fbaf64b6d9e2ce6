package io.upbeat.api.apps;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.security.CurrentUser;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class AppsController {
  private final AccessControl access;
  private final AppService apps;

  AppsController(AccessControl access, AppService apps) {
    this.access = access;
    this.apps = apps;
  }

  record CreateAppRequest(
      @NotBlank(message = "is required")
          @Size(max = 200, message = "must be at most 200 characters")
          String name) {}

  record RotateRequest(
      @NotNull(message = "is required")
          @Pattern(regexp = "secret|ci", message = "must be \"secret\" or \"ci\"")
          String kind) {}

  record App(UUID id, String name, UUID orgId, Instant createdAt) {
    static App of(AppAccess a) {
      return new App(a.id(), a.name(), a.orgId(), a.createdAt());
    }
  }

  record Apps(List<App> items) {}

  /** The new app with its two tokens, shown this once. */
  record CreatedApp(
      UUID id, String name, UUID orgId, Instant createdAt, String secretToken, String ciToken) {}

  record RotatedToken(String kind, String token) {}

  @PostMapping(path = "/orgs/{orgId}/apps", consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  CreatedApp create(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @Valid @RequestBody CreateAppRequest request) {
    return apps.create(access.orgAsOwner(user, orgId).orgId(), request.name().trim(), user);
  }

  /** Every app of every org the caller belongs to. */
  @GetMapping("/apps")
  Apps list(@AuthenticationPrincipal CurrentUser user) {
    return new Apps(apps.visibleTo(user.id()));
  }

  @GetMapping("/apps/{appId}")
  App get(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId) {
    return App.of(access.app(user, appId));
  }

  /** Replaces the app's token of one kind; the old one is refused everywhere within 30 s. */
  @PostMapping(path = "/apps/{appId}/tokens/rotate", consumes = MediaType.APPLICATION_JSON_VALUE)
  RotatedToken rotate(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @Valid @RequestBody RotateRequest request) {
    AppAccess app = access.appAsOwner(user, appId);
    return new RotatedToken(request.kind(), apps.rotate(app, request.kind(), user));
  }
}
