package io.upbeat.api.orgs;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.OrgAccess;
import io.upbeat.api.orgs.Invitations.Invitation;
import io.upbeat.api.orgs.InvitationsController.InviteRequest;
import io.upbeat.api.orgs.MemberService.Member;
import io.upbeat.api.security.CurrentUser;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * An org's members and their roles. Members see the list; owners change roles and remove members;
 * any member may remove themselves (leave). Adding someone is an invitation they must accept: the
 * v1 {@code POST .../members} is kept as an alias of {@code POST .../invitations}.
 */
@RestController
@RequestMapping(path = "/api/v1/orgs/{orgId}/members", produces = MediaType.APPLICATION_JSON_VALUE)
class MembersController {
  private final AccessControl access;
  private final MemberService members;
  private final Invitations invitations;

  MembersController(AccessControl access, MemberService members, Invitations invitations) {
    this.access = access;
    this.members = members;
    this.invitations = invitations;
  }

  record Members(List<Member> items) {}

  record RoleRequest(
      @NotNull(message = "is required")
          @Pattern(regexp = "owner|member", message = "must be owner or member")
          String role) {}

  /**
   * What the v1 add answered, now for an invitation: the invitation's fields plus the v1 {@code
   * status} (always {@code invited}); no user id or name, which would tell whether the e-mail has
   * an account.
   */
  record Invited(UUID id, String email, String role, Instant expiresAt, String status) {
    static Invited of(Invitation i) {
      return new Invited(i.id(), i.email(), i.role(), i.expiresAt(), "invited");
    }
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  Invited add(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @Valid @RequestBody InviteRequest request) {
    UUID org = access.orgAsOwner(user, orgId).orgId();
    return Invited.of(invitations.invite(org, request.email(), request.roleOrMember(), user.id()));
  }

  @GetMapping
  Members list(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId) {
    return new Members(members.list(access.org(user, orgId).orgId()));
  }

  @PatchMapping(path = "/{userId}", consumes = MediaType.APPLICATION_JSON_VALUE)
  Member changeRole(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String userId,
      @Valid @RequestBody RoleRequest request) {
    return members.changeRole(
        access.orgAsOwner(user, orgId).orgId(), userId, request.role(), user.id());
  }

  /** An owner removes anyone; any member may remove themselves. */
  @DeleteMapping("/{userId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void remove(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String userId) {
    members.remove(authorizeRemoval(access, user, orgId, userId).orgId(), userId, user.id());
  }

  /** The org, if {@code user} may remove {@code userId} from it: an owner, or themselves. */
  static OrgAccess authorizeRemoval(
      AccessControl access, CurrentUser user, String orgId, String userId) {
    OrgAccess org = access.org(user, orgId);
    return user.id().toString().equalsIgnoreCase(userId) ? org : access.orgAsOwner(user, orgId);
  }
}
