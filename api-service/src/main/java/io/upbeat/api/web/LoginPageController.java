package io.upbeat.api.web;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The browser sign-in form and the dashboard's front door. Posting the form to {@code /login}
 * starts a session (the dashboard's); scripts use {@code POST /api/v1/login} for an API key
 * instead.
 */
@Controller
class LoginPageController {
  /**
   * The form; opened from an invitation link it carries the token ({@code invitation}), so that
   * signing in (or the sign-up link) comes back to that invitation.
   */
  @GetMapping("/login")
  String loginPage(@RequestParam(defaultValue = "") String invitation, Model model) {
    model.addAttribute("invitation", invitation);
    return "login";
  }

  @GetMapping("/")
  String home() {
    return "redirect:/apps";
  }
}
