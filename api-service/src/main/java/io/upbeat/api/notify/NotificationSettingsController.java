package io.upbeat.api.notify;

import io.upbeat.api.notify.NotificationSettings.Settings;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's notification e-mail settings: {@code GET} and {@code PUT /api/v1/me/notifications}
 * with {@code {"kinds": [...], "muted_apps": [app ids]}}.
 */
@RestController
class NotificationSettingsController {
  private final NotificationSettings settings;

  NotificationSettingsController(NotificationSettings settings) {
    this.settings = settings;
  }

  record SettingsBody(List<String> kinds, List<String> mutedApps) {}

  @GetMapping(path = "/api/v1/me/notifications", produces = MediaType.APPLICATION_JSON_VALUE)
  Settings get(@AuthenticationPrincipal CurrentUser user) {
    return settings.of(user.id());
  }

  @PutMapping(
      path = "/api/v1/me/notifications",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  Settings put(@AuthenticationPrincipal CurrentUser user, @RequestBody SettingsBody body) {
    Choice choice = validate(user.id(), body.kinds(), body.mutedApps());
    return settings.save(user.id(), choice.kinds(), choice.mutedApps());
  }

  record Choice(Set<String> kinds, Set<UUID> mutedApps) {}

  /**
   * Checks a choice from the API or the settings page: known kinds, and apps the user may see (any
   * other id, another tenant's included, is refused like a malformed one).
   *
   * @throws ApiException 400 naming each bad entry
   */
  Choice validate(UUID user, List<String> kinds, List<String> mutedApps) {
    List<ErrorBody.Detail> problems = new ArrayList<>();
    Set<String> chosen = new LinkedHashSet<>();
    if (kinds == null) {
      problems.add(new ErrorBody.Detail("kinds", "is required"));
    } else {
      for (int i = 0; i < kinds.size() && problems.size() < ErrorBody.MAX_DETAILS; i++) {
        String k = kinds.get(i);
        if (k == null || !NotificationSettings.ALL_KINDS.contains(k)) {
          problems.add(
              new ErrorBody.Detail(
                  "kinds[" + i + "]",
                  "must be one of " + String.join(", ", NotificationSettings.ALL_KINDS)));
        } else {
          chosen.add(k);
        }
      }
    }
    Set<UUID> muted = new LinkedHashSet<>();
    List<String> apps = mutedApps == null ? List.of() : mutedApps;
    if (apps.size() > 1000) {
      problems.add(new ErrorBody.Detail("muted_apps", "must have at most 1000 apps"));
    } else {
      Set<UUID> visible = apps.isEmpty() ? Set.of() : settings.visibleApps(user);
      for (int i = 0; i < apps.size() && problems.size() < ErrorBody.MAX_DETAILS; i++) {
        UUID id = uuid(apps.get(i));
        if (id == null || !visible.contains(id)) {
          problems.add(
              new ErrorBody.Detail("muted_apps[" + i + "]", "must be the id of one of your apps"));
        } else {
          muted.add(id);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          problems.size() == 1
              ? "One field of the request is invalid."
              : "Fields of the request are invalid (" + problems.size() + " shown).",
          problems);
    }
    return new Choice(chosen, muted);
  }

  private static UUID uuid(String s) {
    if (s == null || s.length() != 36) {
      return null;
    }
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
