package io.upbeat.api.deletion;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.access.AccessControl.OrgAccess;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The dashboard's "Delete app", "Delete organization" and "Delete account" pages. Each asks the
 * user to type the name of what goes (the app's, the org's, or their e-mail) and posts the form
 * with its CSRF token; the deletion itself is the API's ({@link Deletions}).
 */
@Controller
class DeletionPages {
  private static final String APP_PAGE = "deletion/app";
  private static final String ORG_PAGE = "deletion/org";
  private static final String ACCOUNT_PAGE = "deletion/account";

  private final AccessControl access;
  private final Deletions deletions;

  DeletionPages(AccessControl access, Deletions deletions) {
    this.access = access;
    this.deletions = deletions;
  }

  @GetMapping("/apps/{appId}/settings/delete")
  String appPage(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId, Model m) {
    m.addAttribute("app", access.appAsOwner(user, appId));
    return APP_PAGE;
  }

  @PostMapping("/apps/{appId}/settings/delete")
  String deleteApp(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(defaultValue = "") String confirm,
      HttpServletResponse response,
      Model m) {
    AppAccess app = access.appAsOwner(user, appId);
    if (!confirm.trim().equals(app.name())) {
      m.addAttribute("app", app);
      m.addAttribute("problem", "Type the app's name exactly to delete it.");
      response.setStatus(HttpStatus.BAD_REQUEST.value());
      return APP_PAGE;
    }
    deletions.deleteApp(user, appId);
    return "redirect:/apps";
  }

  @GetMapping("/orgs/{orgId}/delete")
  String orgPage(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId, Model m) {
    OrgAccess org = access.orgAsOwner(user, orgId);
    showOrg(org, m);
    return ORG_PAGE;
  }

  /** The members page's "Delete organization" section: the link for owners, nothing for others. */
  @GetMapping("/orgs/{orgId}/delete/section")
  String orgSection(
      @AuthenticationPrincipal CurrentUser user, @PathVariable String orgId, Model m) {
    OrgAccess org = access.org(user, orgId);
    m.addAttribute("orgId", org.orgId());
    m.addAttribute("owner", org.owner());
    return "deletion/org-section :: section";
  }

  @PostMapping("/orgs/{orgId}/delete")
  String deleteOrg(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(defaultValue = "") String confirm,
      HttpServletResponse response,
      Model m) {
    OrgAccess org = access.orgAsOwner(user, orgId);
    if (!confirm.trim().equals(deletions.orgName(org.orgId()))) {
      showOrg(org, m);
      m.addAttribute("problem", "Type the organization's name exactly to delete it.");
      response.setStatus(HttpStatus.BAD_REQUEST.value());
      return ORG_PAGE;
    }
    deletions.deleteOrg(user, orgId);
    return "redirect:/apps";
  }

  private void showOrg(OrgAccess org, Model m) {
    m.addAttribute("orgId", org.orgId());
    m.addAttribute("orgName", deletions.orgName(org.orgId()));
  }

  @GetMapping("/account/delete")
  String accountPage() {
    return ACCOUNT_PAGE;
  }

  @PostMapping("/account/delete")
  String deleteAccount(
      @AuthenticationPrincipal CurrentUser user,
      @RequestParam(defaultValue = "") String confirm,
      HttpServletRequest request,
      HttpServletResponse response,
      Model m) {
    if (!confirm.trim().equalsIgnoreCase(user.email())) {
      m.addAttribute("problem", "Type your e-mail address exactly to delete your account.");
      response.setStatus(HttpStatus.BAD_REQUEST.value());
      return ACCOUNT_PAGE;
    }
    try {
      deletions.deleteUser(user);
    } catch (ApiException e) {
      if (e.code() != ErrorCode.CONFLICT) {
        throw e;
      }
      m.addAttribute("problem", e.getMessage());
      m.addAttribute("details", e.details());
      response.setStatus(HttpStatus.CONFLICT.value());
      return ACCOUNT_PAGE;
    }
    DeletionController.signOut(request);
    return "redirect:/login";
  }
}
