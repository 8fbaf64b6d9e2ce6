package io.upbeat.api.orgs;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.OrgAccess;
import io.upbeat.api.orgs.Invitations.Invitation;
import io.upbeat.api.orgs.InvitationsController.InviteRequest;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * An org's members page: who belongs and with which role; for owners also the pending invitations
 * (resend, revoke), the invite form and each member's role and remove buttons; for everyone a
 * "Leave organization" button. The same rules as the members and invitations API. Every form posts
 * (browsers without htmx work too); with htmx the member section is swapped in place.
 */
@Controller
@RequestMapping("/orgs/{orgId}")
class MemberPages {
  private static final String PAGE = "orgs/members";
  private static final String SECTION = "orgs/members :: section";
  private static final String SECTION_EMPTY = "orgs/members :: left";

  private final AccessControl access;
  private final MemberService members;
  private final Invitations invitations;
  private final Validator validator;

  MemberPages(
      AccessControl access, MemberService members, Invitations invitations, Validator validator) {
    this.access = access;
    this.members = members;
    this.invitations = invitations;
    this.validator = validator;
  }

  @GetMapping("/members")
  String page(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId, Model model) {
    show(user, access.org(user, orgId), model);
    return PAGE;
  }

  /** The invite form (e-mail and role). */
  @PostMapping("/members")
  String invite(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(defaultValue = "") String email,
      @RequestParam(defaultValue = "member") String role,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    OrgAccess org = access.orgAsOwner(user, orgId);
    InviteRequest request = new InviteRequest(email.trim(), role);
    String problem =
        validator.validate(request).stream().map(MemberPages::sentence).findFirst().orElse(null);
    HttpStatus status = HttpStatus.BAD_REQUEST;
    if (problem == null) {
      try {
        Invitation sent = invitations.invite(org.orgId(), request.email(), role, user.id());
        model.addAttribute(
            "notice", sent.email() + " is invited: they join once they accept the e-mailed link.");
        status = HttpStatus.CREATED;
      } catch (ApiException e) {
        problem = expected(e);
        status = e.code().status();
      }
    }
    if (problem != null) {
      model.addAttribute("problem", problem);
      model.addAttribute("email", email);
    }
    return answer(user, org, htmx, status, response, model);
  }

  @PostMapping("/invitations/{invitationId}/resend")
  String resend(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String invitationId,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    OrgAccess org = access.orgAsOwner(user, orgId);
    HttpStatus status = HttpStatus.OK;
    try {
      Invitation sent = invitations.resend(org.orgId(), invitationId, user.id());
      model.addAttribute("notice", "The invitation to " + sent.email() + " was sent again.");
    } catch (ApiException e) {
      model.addAttribute("alert", expected(e));
      status = e.code().status();
    }
    return answer(user, org, htmx, status, response, model);
  }

  @PostMapping("/invitations/{invitationId}/revoke")
  String revoke(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String invitationId,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    OrgAccess org = access.orgAsOwner(user, orgId);
    invitations.revoke(org.orgId(), invitationId, user.id());
    model.addAttribute("notice", "The invitation was revoked.");
    return answer(user, org, htmx, HttpStatus.OK, response, model);
  }

  @PostMapping("/members/{userId}/role")
  String changeRole(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String userId,
      @RequestParam(defaultValue = "") String role,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    OrgAccess org = access.orgAsOwner(user, orgId);
    HttpStatus status = HttpStatus.OK;
    if (!role.equals(AccessControl.OWNER) && !role.equals(AccessControl.MEMBER)) {
      model.addAttribute("alert", "The role must be owner or member.");
      status = HttpStatus.BAD_REQUEST;
    } else {
      try {
        MemberService.Member changed = members.changeRole(org.orgId(), userId, role, user.id());
        model.addAttribute("notice", changed.user().email() + " is now " + article(role) + ".");
      } catch (ApiException e) {
        model.addAttribute("alert", expected(e));
        status = e.code().status();
      }
    }
    // Demoting oneself ends one's owner view of the page.
    return answer(user, access.org(user, orgId), htmx, status, response, model);
  }

  /** Removes a member (owners), or lets the caller leave (anyone, for themselves). */
  @PostMapping("/members/{userId}/remove")
  String remove(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String userId,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    OrgAccess org = MembersController.authorizeRemoval(access, user, orgId, userId);
    try {
      members.remove(org.orgId(), userId, user.id());
    } catch (ApiException e) {
      model.addAttribute("alert", expected(e));
      return answer(user, org, htmx, e.code().status(), response, model);
    }
    if (user.id().toString().equalsIgnoreCase(userId)) {
      // Left: the org's pages are 404 for the caller from now on.
      if (htmx) {
        response.setHeader("HX-Redirect", "/apps");
        return SECTION_EMPTY;
      }
      return "redirect:/apps";
    }
    model.addAttribute("notice", "The member was removed.");
    return answer(user, org, htmx, HttpStatus.OK, response, model);
  }

  private String answer(
      CurrentUser user,
      OrgAccess org,
      boolean htmx,
      HttpStatus status,
      HttpServletResponse response,
      Model model) {
    // htmx swaps only 2xx answers; the message is in the section either way.
    if (!htmx) {
      response.setStatus(status.value());
    }
    show(user, org, model);
    return htmx ? SECTION : PAGE;
  }

  /** The message of an expected refusal (409, 400, 503); anything else goes to the error page. */
  private static String expected(ApiException e) {
    if (e.code() == ErrorCode.CONFLICT
        || e.code() == ErrorCode.INVALID_PAYLOAD
        || e.code() == ErrorCode.UNAVAILABLE) {
      return e.getMessage();
    }
    throw e;
  }

  private static String sentence(ConstraintViolation<InviteRequest> v) {
    String field = v.getPropertyPath().toString();
    return (field.equals("role") ? "The role " : "The e-mail ") + v.getMessage() + ".";
  }

  private static String article(String role) {
    return AccessControl.OWNER.equals(role) ? "an owner" : "a member";
  }

  private void show(CurrentUser user, OrgAccess org, Model model) {
    UUID id = org.orgId();
    model.addAttribute("orgId", id);
    model.addAttribute("orgName", members.orgName(id));
    model.addAttribute("owner", org.owner());
    model.addAttribute("me", user.id());
    model.addAttribute("members", members.list(id));
    model.addAttribute("invitations", org.owner() ? invitations.pending(id) : List.of());
  }
}
