package io.upbeat.api.web;

import io.upbeat.api.security.CurrentUser;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** What every dashboard page's frame needs: the signed-in user (null on the public pages). */
@ControllerAdvice(annotations = Controller.class)
class PageModel {
  @ModelAttribute("currentUser")
  CurrentUser currentUser() {
    return signedIn();
  }

  static CurrentUser signedIn() {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    return auth != null && auth.getPrincipal() instanceof CurrentUser user ? user : null;
  }
}
