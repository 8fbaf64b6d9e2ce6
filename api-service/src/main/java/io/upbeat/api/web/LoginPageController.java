package io.upbeat.api.web;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The browser sign-in form and the dashboard's front door. Posting the form to {@code /login}
 * starts a session (the dashboard's); scripts use {@code POST /api/v1/login} for an API key
 * instead.
 */
@Controller
class LoginPageController {
  @GetMapping("/login")
  String loginPage() {
    return "login";
  }

  @GetMapping("/")
  String home() {
    return "redirect:/apps";
  }
}
