package io.upbeat.api.orgs;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.accounts.EmailAddress;
import io.upbeat.api.orgs.OrgMembers.Member;
import io.upbeat.api.security.CurrentUser;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * An org's members and invitations. Any member may invite: an e-mail with an account joins at once,
 * any other is invited and joins when it signs up.
 */
@RestController
@RequestMapping(path = "/api/v1/orgs/{orgId}/members", produces = MediaType.APPLICATION_JSON_VALUE)
class MembersController {
  private final AccessControl access;
  private final MemberService members;

  MembersController(AccessControl access, MemberService members) {
    this.access = access;
    this.members = members;
  }

  record InviteRequest(
      @NotBlank(message = "is required")
          @Size(max = 320, message = "must be at most 320 characters")
          @EmailAddress
          String email) {}

  record Members(List<Member> items) {}

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  Member add(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @Valid @RequestBody InviteRequest request) {
    return members.add(access.orgAsOwner(user, orgId).orgId(), request.email(), user.id());
  }

  @GetMapping
  Members list(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId) {
    return new Members(members.list(access.org(user, orgId).orgId()));
  }
}
