package io.upbeat.api.orgs;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * An org's members and their roles, for the API and the members page alike. Callers have resolved
 * the org through {@code AccessControl} and decided who may change what. An org always keeps at
 * least one owner: every change that could take the last one away first locks the org's row, so two
 * owners demoting (or removing) each other at the same moment are serialized and the second is
 * refused.
 */
@Service
class MemberService {
  private final JdbcClient jdbc;
  private final AuditLog audit;

  MemberService(JdbcClient jdbc, AuditLog audit) {
    this.audit = audit;
    this.jdbc = jdbc;
  }

  /** A person as the members API shows them. */
  record User(UUID id, String email, String name) {}

  /** A member of the org and their role. */
  record Member(User user, String role) {}

  private static final RowMapper<Member> MEMBER =
      (rs, n) ->
          new Member(
              new User(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)),
              rs.getString(4));

  /** The org's members in the order they joined. */
  List<Member> list(UUID org) {
    return jdbc.sql(
            """
            SELECT u.id, u.email, u.name, m.role FROM memberships m
            JOIN users u ON u.id = m.user_id WHERE m.org_id = :org
            ORDER BY m.created_at, u.email
            """)
        .param("org", org)
        .query(MEMBER)
        .list();
  }

  /**
   * Gives a member a new role.
   *
   * @throws ApiException 404 if the user is not a member of the org; 409 if that would leave the
   *     org without an owner
   */
  @Transactional
  Member changeRole(UUID org, String userId, String role, UUID by) {
    UUID user = parse(userId);
    Member member = lockAndFind(org, user);
    if (losesOwner(member.role(), role) && owners(org) == 1) {
      throw lastOwner();
    }
    jdbc.sql("UPDATE memberships SET role = :role WHERE org_id = :org AND user_id = :user")
        .param("role", role)
        .param("org", org)
        .param("user", user)
        .update();
    audit.orgByUser(
        by,
        org,
        AuditAction.MEMBER_ROLE_CHANGED,
        member.user().email() + ": " + member.role() + " -> " + role);
    return new Member(member.user(), role);
  }

  /**
   * Removes a member (or lets one leave).
   *
   * @throws ApiException 404 if the user is not a member of the org; 409 if they are its last owner
   */
  @Transactional
  void remove(UUID org, String userId, UUID by) {
    UUID user = parse(userId);
    Member member = lockAndFind(org, user);
    if (losesOwner(member.role(), null) && owners(org) == 1) {
      throw lastOwner();
    }
    jdbc.sql("DELETE FROM memberships WHERE org_id = :org AND user_id = :user")
        .param("org", org)
        .param("user", user)
        .update();
    audit.orgByUser(
        by,
        org,
        user.equals(by) ? AuditAction.MEMBER_LEFT : AuditAction.MEMBER_REMOVED,
        member.user().email());
  }

  String orgName(UUID org) {
    return jdbc.sql("SELECT name FROM orgs WHERE id = :org")
        .param("org", org)
        .query(String.class)
        .single();
  }

  /** Locks the org's row (serializing every role change of the org), then reads the member. */
  private Member lockAndFind(UUID org, UUID user) {
    jdbc.sql("SELECT id FROM orgs WHERE id = :org FOR UPDATE")
        .param("org", org)
        .query(UUID.class)
        .optional()
        .orElseThrow(() -> ApiException.notFound("The organization"));
    return jdbc.sql(
            """
            SELECT u.id, u.email, u.name, m.role FROM memberships m
            JOIN users u ON u.id = m.user_id WHERE m.org_id = :org AND m.user_id = :user
            """)
        .param("org", org)
        .param("user", user)
        .query(MEMBER)
        .optional()
        .orElseThrow(() -> ApiException.notFound("The member"));
  }

  private int owners(UUID org) {
    return jdbc.sql("SELECT count(*) FROM memberships WHERE org_id = :org AND role = 'owner'")
        .param("org", org)
        .query(Integer.class)
        .single();
  }

  private static ApiException lastOwner() {
    return new ApiException(
        ErrorCode.CONFLICT,
        "An organization keeps at least one owner: make someone else an owner first.");
  }

  private static UUID parse(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("The member");
    }
  }

  /** Whether going from {@code from} to {@code to} (null: leaving) takes an owner away. */
  private static boolean losesOwner(String from, String to) {
    return AccessControl.OWNER.equals(from) && !AccessControl.OWNER.equals(to);
  }
}
