package io.upbeat.api.orgs;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.accounts.Emails;
import io.upbeat.api.orgs.OrgMembers.Member;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
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
  private final JdbcClient jdbc;
  private final OrgMembers members;

  MembersController(AccessControl access, JdbcClient jdbc, OrgMembers members) {
    this.access = access;
    this.jdbc = jdbc;
    this.members = members;
  }

  record InviteRequest(
      @NotBlank(message = "is required")
          @Size(max = 320, message = "must be at most 320 characters")
          @Pattern(regexp = Emails.PATTERN, message = "must be an e-mail address")
          String email) {}

  record Members(List<Member> items) {}

  private static final RowMapper<Member> MEMBER = OrgMembers.MEMBER;

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  @Transactional
  Member add(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @Valid @RequestBody InviteRequest request) {
    UUID org = access.org(user, orgId).orgId();
    String email = Emails.normalize(request.email());
    Optional<Member> existing =
        jdbc.sql(
                "SELECT id, email, name, 'member', 'member' FROM users WHERE lower(email) = :email")
            .param("email", email)
            .query(MEMBER)
            .optional();
    if (existing.isPresent()) {
      int added =
          jdbc.sql(
                  "INSERT INTO memberships (org_id, user_id, role) VALUES (:org, :user, 'member')"
                      + " ON CONFLICT DO NOTHING")
              .param("org", org)
              .param("user", existing.get().userId())
              .update();
      if (added == 0) {
        throw new ApiException(ErrorCode.CONFLICT, "This user is already a member.");
      }
      return existing.get();
    }
    int invited =
        jdbc.sql(
                "INSERT INTO invitations (org_id, email, invited_by) VALUES (:org, :email, :by)"
                    + " ON CONFLICT DO NOTHING")
            .param("org", org)
            .param("email", email)
            .param("by", user.id())
            .update();
    if (invited == 0) {
      throw new ApiException(ErrorCode.CONFLICT, "This e-mail is already invited.");
    }
    return new Member(null, email, null, "member", "invited");
  }

  @GetMapping
  Members list(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId) {
    return new Members(members.list(access.org(user, orgId).orgId()));
  }
}
