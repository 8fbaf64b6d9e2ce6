package io.upbeat.api.apps;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.access.AccessControl.OrgAccess;
import io.upbeat.api.accounts.Memberships;
import io.upbeat.api.apps.AppsController.App;
import io.upbeat.api.apps.AppsController.CreateAppRequest;
import io.upbeat.api.apps.AppsController.CreatedApp;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.web.DashboardProperties;
import io.upbeat.events.AppTokenRecord;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The app list (every org of the user with its apps), creating an app (the response shows its two
 * tokens this once, with setup snippets), and the tokens part of an app's settings.
 */
@Controller
class AppPages {
  private final AccessControl access;
  private final AppService apps;
  private final Memberships memberships;
  private final Validator validator;
  private final DashboardProperties dashboard;
  private final String version;

  AppPages(
      AccessControl access,
      AppService apps,
      Memberships memberships,
      Validator validator,
      DashboardProperties dashboard,
      ObjectProvider<BuildProperties> build) {
    this.access = access;
    this.apps = apps;
    this.memberships = memberships;
    this.validator = validator;
    this.dashboard = dashboard;
    BuildProperties info = build.getIfAvailable();
    this.version = info == null ? null : info.getVersion();
  }

  /** An org of the user with its apps, oldest first. */
  record OrgApps(Memberships.Org org, List<App> apps) {}

  /** A refused app creation, shown in that org's panel. */
  record CreateError(UUID orgId, String name, String message) {}

  @GetMapping("/apps")
  String list(@AuthenticationPrincipal CurrentUser user, Model model) {
    addOrgs(user, model, null);
    return "apps/list";
  }

  /** Creates an app; the page answering this POST is the only place its tokens ever appear. */
  @PostMapping("/orgs/{orgId}/apps")
  String create(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(defaultValue = "") String name,
      HttpServletResponse response,
      Model model) {
    OrgAccess org = access.orgAsOwner(user, orgId);
    String problem =
        validator.validate(new CreateAppRequest(name)).stream()
            .map(ConstraintViolation::getMessage)
            .findFirst()
            .map(p -> "The name " + p + ".")
            .orElse(null);
    CreatedApp created = null;
    HttpStatus status = HttpStatus.BAD_REQUEST;
    if (problem == null) {
      try {
        created = apps.create(org.orgId(), name.trim(), user);
      } catch (ApiException e) {
        if (e.code() != ErrorCode.CONFLICT) {
          throw e;
        }
        problem = e.getMessage();
        status = HttpStatus.CONFLICT;
      }
    }
    if (created == null) {
      response.setStatus(status.value());
      addOrgs(user, model, new CreateError(org.orgId(), name, problem));
      return "apps/list";
    }
    response.setStatus(HttpStatus.CREATED.value());
    model.addAttribute(
        "app",
        new AppAccess(
            created.id(), created.orgId(), created.name(), created.createdAt(), org.role()));
    model.addAttribute("created", created);
    model.addAttribute(
        "apiUrl", ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString());
    model.addAttribute("intakeUrl", dashboard.intakeUrl());
    model.addAttribute("version", version);
    model.addAttribute("serviceName", serviceName(created.name()));
    return "apps/created";
  }

  @GetMapping("/apps/{appId}/settings")
  String settings(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId, Model m) {
    m.addAttribute("app", access.app(user, appId));
    return "apps/settings";
  }

  /**
   * Rotates one of the app's tokens; the answer (the tokens fragment for htmx, else the whole
   * settings page) shows the new one this once.
   */
  @PostMapping("/apps/{appId}/settings/tokens/{kind}")
  String rotate(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String kind,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      Model model) {
    AppAccess app = access.appAsOwner(user, appId);
    if (!AppTokenRecord.SECRET.equals(kind) && !AppTokenRecord.CI.equals(kind)) {
      throw ApiException.notFound("The token kind");
    }
    model.addAttribute("app", app);
    model.addAttribute("newTokenKind", kind);
    model.addAttribute("newToken", apps.rotate(app, kind, user));
    return htmx ? "apps/settings :: tokens" : "apps/settings";
  }

  private void addOrgs(CurrentUser user, Model model, CreateError error) {
    Map<UUID, List<App>> byOrg =
        apps.visibleTo(user.id()).stream().collect(Collectors.groupingBy(App::orgId));
    model.addAttribute(
        "orgs",
        memberships.orgsOf(user.id()).stream()
            .map(o -> new OrgApps(o, byOrg.getOrDefault(o.id(), List.of())))
            .toList());
    model.addAttribute("createError", error);
  }

  /** The app's name as an agent's service name (letters, digits, {@code _ . -}). */
  static String serviceName(String appName) {
    String name = appName.replaceAll("[^A-Za-z0-9_.-]+", "-").replaceAll("^-+|-+$", "");
    return name.isEmpty() ? "my-service" : name.substring(0, Math.min(100, name.length()));
  }
}
