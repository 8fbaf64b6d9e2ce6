package io.upbeat.api.orgs;

import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * An org's people: its members and the e-mails with a pending invitation to it. The dashboard
 * offers them as assignees. Callers have checked access to the org.
 */
@Component
public class OrgMembers {
  private final JdbcClient jdbc;

  OrgMembers(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * @param userId null for an invitation
   * @param status {@code member} (has an account and belongs to the org) or {@code invited}
   */
  public record Member(UUID userId, String email, String name, String role, String status) {}

  /** Reads columns user id, email, name, role, status. */
  static final RowMapper<Member> MEMBER =
      (rs, n) ->
          new Member(
              rs.getObject(1, UUID.class),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5));

  /** Members, then invitations, each in the order they joined or were invited. */
  public List<Member> list(UUID org) {
    return jdbc.sql(
            """
            SELECT u.id, u.email, u.name, m.role, 'member' AS status, m.created_at
            FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = :org
            UNION ALL
            SELECT NULL, i.email, NULL, i.role, 'invited', i.created_at
            FROM invitations i WHERE i.org_id = :org
              AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
            ORDER BY 6, 2
            """)
        .param("org", org)
        .query(MEMBER)
        .list();
  }
}
