package io.upbeat.api.orgs;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.orgs.MembersController.InviteRequest;
import io.upbeat.api.orgs.OrgMembers.Member;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
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
 * An org's members page: who belongs, who is invited, and a form to add someone by e-mail (as
 * {@code POST /api/v1/orgs/{id}/members} does). The form swaps the member section through htmx.
 */
@Controller
@RequestMapping("/orgs/{orgId}/members")
class MemberPages {
  private static final String PAGE = "orgs/members";
  private static final String SECTION = "orgs/members :: section";

  private final AccessControl access;
  private final MemberService members;
  private final Validator validator;

  MemberPages(AccessControl access, MemberService members, Validator validator) {
    this.access = access;
    this.members = members;
    this.validator = validator;
  }

  @GetMapping
  String page(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId, Model model) {
    show(access.org(user, orgId).orgId(), model);
    return PAGE;
  }

  @PostMapping
  String add(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(defaultValue = "") String email,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    UUID org = access.orgAsOwner(user, orgId).orgId();
    String problem =
        validator.validate(new InviteRequest(email.trim())).stream()
            .map(ConstraintViolation::getMessage)
            .findFirst()
            .map(p -> "The e-mail " + p + ".")
            .orElse(null);
    HttpStatus status = HttpStatus.BAD_REQUEST;
    if (problem == null) {
      try {
        Member added = members.add(org, email.trim(), user.id());
        model.addAttribute(
            "added",
            "invited".equals(added.status())
                ? added.email() + " is invited and joins when they sign up."
                : added.email() + " is now a member.");
        status = HttpStatus.CREATED;
      } catch (ApiException e) {
        if (e.code() != ErrorCode.CONFLICT) {
          throw e;
        }
        problem = e.getMessage();
        status = HttpStatus.CONFLICT;
      }
    }
    if (problem != null) {
      model.addAttribute("problem", problem);
      model.addAttribute("email", email);
    }
    if (!htmx) {
      response.setStatus(status.value());
    }
    show(org, model);
    return htmx ? SECTION : PAGE;
  }

  private void show(UUID org, Model model) {
    model.addAttribute("orgId", org);
    model.addAttribute("orgName", members.orgName(org));
    model.addAttribute("members", members.list(org));
  }
}
