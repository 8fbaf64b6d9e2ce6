package io.upbeat.api.accounts;

import io.upbeat.support.web.ApiException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The page a verification e-mail links to. Opening it verifies nothing (mail scanners open links):
 * its button posts the token.
 */
@Controller
class EmailVerificationPages {
  private static final String PAGE = "accounts/verify";

  private final EmailVerification verification;

  EmailVerificationPages(EmailVerification verification) {
    this.verification = verification;
  }

  @GetMapping("/verify-email")
  String page(
      @RequestParam(defaultValue = "") String token, HttpServletResponse response, Model model) {
    response.setHeader("Referrer-Policy", "no-referrer");
    model.addAttribute("token", token);
    model.addAttribute("verified", null);
    return PAGE;
  }

  @PostMapping("/verify-email")
  String confirm(
      @RequestParam(defaultValue = "") String token, HttpServletResponse response, Model model) {
    response.setHeader("Referrer-Policy", "no-referrer");
    try {
      model.addAttribute("verified", verification.confirm(token));
      model.addAttribute("token", "");
    } catch (ApiException e) {
      response.setStatus(HttpStatus.NOT_FOUND.value());
      model.addAttribute("verified", null);
      model.addAttribute("token", "");
      model.addAttribute("gone", true);
    }
    return PAGE;
  }
}
