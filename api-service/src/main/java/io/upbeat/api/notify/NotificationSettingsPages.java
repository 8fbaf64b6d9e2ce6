package io.upbeat.api.notify;

import io.upbeat.api.notify.NotificationSettings.Settings;
import io.upbeat.api.notify.NotificationSettingsController.Choice;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The notification settings page: which e-mails the signed-in user wants, and for which apps. */
@Controller
class NotificationSettingsPages {
  private static final String PAGE = "notify/settings";

  private final NotificationSettings settings;
  private final NotificationSettingsController api;
  private final JdbcClient jdbc;

  NotificationSettingsPages(
      NotificationSettings settings, NotificationSettingsController api, JdbcClient jdbc) {
    this.settings = settings;
    this.api = api;
    this.jdbc = jdbc;
  }

  /** An app the user may mute, with its org's name. */
  record AppChoice(UUID id, String name, String orgName, boolean muted) {}

  @GetMapping("/settings/notifications")
  String page(@AuthenticationPrincipal CurrentUser user, Model model) {
    show(user, settings.of(user.id()), null, model);
    return PAGE;
  }

  @PostMapping("/settings/notifications")
  String save(
      @AuthenticationPrincipal CurrentUser user,
      @RequestParam(name = "kinds", required = false) List<String> kinds,
      @RequestParam(name = "muted", required = false) List<String> muted,
      HttpServletResponse response,
      Model model) {
    try {
      Choice choice =
          api.validate(
              user.id(), kinds == null ? List.of() : kinds, muted == null ? List.of() : muted);
      show(user, settings.save(user.id(), choice.kinds(), choice.mutedApps()), "Saved.", model);
    } catch (ApiException e) {
      response.setStatus(HttpStatus.BAD_REQUEST.value());
      show(user, settings.of(user.id()), null, model);
      model.addAttribute(
          "problems", e.details().stream().map(ErrorBody.Detail::problem).distinct().toList());
    }
    return PAGE;
  }

  private void show(CurrentUser user, Settings current, String message, Model model) {
    List<AppChoice> apps =
        jdbc.sql(
                """
                SELECT a.id, a.name, o.name FROM apps a JOIN orgs o ON o.id = a.org_id
                JOIN memberships m ON m.org_id = a.org_id AND m.user_id = :user
                ORDER BY o.name, a.name
                """)
            .param("user", user.id())
            .query(
                (rs, i) -> {
                  UUID id = rs.getObject(1, UUID.class);
                  return new AppChoice(
                      id, rs.getString(2), rs.getString(3), current.mutedApps().contains(id));
                })
            .list();
    model.addAttribute("allKinds", NotificationSettings.ALL_KINDS);
    model.addAttribute("kinds", current.kinds());
    model.addAttribute("apps", apps);
    model.addAttribute("message", message);
    model.addAttribute("problems", List.of());
  }
}
