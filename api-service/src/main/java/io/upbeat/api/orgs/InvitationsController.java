package io.upbeat.api.orgs;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.accounts.EmailAddress;
import io.upbeat.api.orgs.Invitations.Invitation;
import io.upbeat.api.orgs.Invitations.Joined;
import io.upbeat.api.security.CurrentUser;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Invitations: owners invite, list, revoke and resend; the invitee accepts with the e-mailed token
 * while signed in (API key or browser session). See {@link Invitations} for the rules.
 */
@RestController
class InvitationsController {
  private static final String ORG_INVITATIONS = "/api/v1/orgs/{orgId}/invitations";

  private final AccessControl access;
  private final Invitations invitations;

  InvitationsController(AccessControl access, Invitations invitations) {
    this.access = access;
    this.invitations = invitations;
  }

  record InviteRequest(
      @NotBlank(message = "is required")
          @Size(max = 320, message = "must be at most 320 characters")
          @EmailAddress
          String email,
      @Pattern(regexp = "owner|member", message = "must be owner or member") String role) {
    String roleOrMember() {
      return role == null ? AccessControl.MEMBER : role;
    }
  }

  record AcceptRequest(
      @NotBlank(message = "is required")
          @Size(max = 200, message = "must be at most 200 characters")
          String token) {}

  record PendingInvitations(List<Invitation> items) {}

  record OrgView(UUID id, String slug, String name) {}

  record Accepted(OrgView org, String role) {
    static Accepted of(Joined j) {
      return new Accepted(new OrgView(j.id(), j.slug(), j.name()), j.role());
    }
  }

  @PostMapping(
      path = ORG_INVITATIONS,
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  Invitation invite(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @Valid @RequestBody InviteRequest request) {
    UUID org = access.orgAsOwner(user, orgId).orgId();
    return invitations.invite(org, request.email(), request.roleOrMember(), user.id());
  }

  @GetMapping(path = ORG_INVITATIONS, produces = MediaType.APPLICATION_JSON_VALUE)
  PendingInvitations list(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId) {
    return new PendingInvitations(invitations.pending(access.orgAsOwner(user, orgId).orgId()));
  }

  @DeleteMapping(ORG_INVITATIONS + "/{invitationId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void revoke(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String invitationId) {
    invitations.revoke(access.orgAsOwner(user, orgId).orgId(), invitationId, user.id());
  }

  @PostMapping(
      path = ORG_INVITATIONS + "/{invitationId}/resend",
      produces = MediaType.APPLICATION_JSON_VALUE)
  Invitation resend(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable String invitationId) {
    return invitations.resend(access.orgAsOwner(user, orgId).orgId(), invitationId, user.id());
  }

  @PostMapping(
      path = "/api/v1/invitations/accept",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  Accepted accept(
      @AuthenticationPrincipal CurrentUser user, @Valid @RequestBody AcceptRequest request) {
    return Accepted.of(invitations.accept(request.token(), user.id()));
  }
}
