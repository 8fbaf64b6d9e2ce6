package io.upbeat.api.orgs;

import io.upbeat.api.accounts.Emails;
import io.upbeat.api.orgs.OrgMembers.Member;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * An org's members and invitations, for the API and the members page alike. Callers have resolved
 * the org through {@code AccessControl} (adding is an owner's). An e-mail with an account joins at
 * once, any other is invited and joins when it signs up.
 */
@Service
class MemberService {
  private static final RowMapper<Member> MEMBER = OrgMembers.MEMBER;

  private final JdbcClient jdbc;
  private final OrgMembers people;

  MemberService(JdbcClient jdbc, OrgMembers people) {
    this.jdbc = jdbc;
    this.people = people;
  }

  /**
   * Adds a validated e-mail to the org.
   *
   * @throws ApiException 409 if it is already a member or invited
   */
  @Transactional
  Member add(UUID org, String rawEmail, UUID invitedBy) {
    String email = Emails.normalize(rawEmail);
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
            .param("by", invitedBy)
            .update();
    if (invited == 0) {
      throw new ApiException(ErrorCode.CONFLICT, "This e-mail is already invited.");
    }
    return new Member(null, email, null, "member", "invited");
  }

  /** Members, then invitations, each in the order they were added. */
  List<Member> list(UUID org) {
    return people.list(org);
  }

  String orgName(UUID org) {
    return jdbc.sql("SELECT name FROM orgs WHERE id = :org")
        .param("org", org)
        .query(String.class)
        .single();
  }
}
