package io.upbeat.api.orgs;

import io.upbeat.api.orgs.Invitations.Joined;
import io.upbeat.api.orgs.Invitations.Preview;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * Where an invitation e-mail's link lands. A signed-in visitor sees the org's name and an Accept
 * button (a POST with the CSRF token: opening the link alone joins nothing, so a link that a mail
 * scanner or a preview fetches does no harm). A signed-out visitor is offered sign-in and sign-up,
 * both of which carry the token and come back here (sign-up accepts at once: the person acted with
 * the token). The token is in the URL, so the page tells the browser to send no referrer.
 */
@Controller
class InvitationPages {
  static final String PATH = "/invitations/accept";
  private static final String PAGE = "invitations/accept";

  private final Invitations invitations;

  InvitationPages(Invitations invitations) {
    this.invitations = invitations;
  }

  @GetMapping(PATH)
  String page(
      @AuthenticationPrincipal CurrentUser user,
      @RequestParam(defaultValue = "") String token,
      HttpServletResponse response,
      Model model) {
    response.setHeader("Referrer-Policy", "no-referrer");
    Optional<Preview> preview = invitations.preview(token);
    if (preview.isEmpty()) {
      response.setStatus(HttpStatus.NOT_FOUND.value());
    }
    model.addAttribute("invitation", preview.orElse(null));
    model.addAttribute("token", token);
    model.addAttribute("signedIn", user != null);
    return PAGE;
  }

  @PostMapping(PATH)
  String accept(
      @AuthenticationPrincipal CurrentUser user,
      @RequestParam(defaultValue = "") String token,
      HttpServletResponse response,
      Model model) {
    response.setHeader("Referrer-Policy", "no-referrer");
    try {
      Joined joined = invitations.accept(token, user.id());
      return "redirect:/orgs/" + joined.id() + "/members";
    } catch (ApiException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      response.setStatus(HttpStatus.NOT_FOUND.value());
      model.addAttribute("invitation", null);
      model.addAttribute("token", token);
      model.addAttribute("signedIn", true);
      return PAGE;
    }
  }
}
