package io.upbeat.api.environments;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.environments.Environments.Environment;
import io.upbeat.api.security.CurrentUser;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/apps/{id}/environments}: what the environment selectors offer. */
@RestController
class EnvironmentsController {
  record EnvironmentList(List<Environment> items) {}

  private final AccessControl access;
  private final Environments environments;

  EnvironmentsController(AccessControl access, Environments environments) {
    this.access = access;
    this.environments = environments;
  }

  @GetMapping(
      path = "/api/v1/apps/{appId}/environments",
      produces = MediaType.APPLICATION_JSON_VALUE)
  EnvironmentList list(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId) {
    return new EnvironmentList(environments.list(access.app(user, appId).id()));
  }
}
