package io.upbeat.api.accounts;

import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The orgs a user belongs to, for {@code /me} and the dashboard's app list. */
@Component
public class Memberships {
  private final JdbcClient jdbc;

  Memberships(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * One of the user's orgs.
   *
   * @param role {@code owner} or {@code member}
   */
  public record Org(UUID id, String slug, String name, String role) {}

  /** The user's orgs, oldest first. */
  public List<Org> orgsOf(UUID userId) {
    return jdbc.sql(
            """
            SELECT o.id, o.slug, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
            WHERE m.user_id = :user AND o.deleted_at IS NULL ORDER BY o.created_at, o.id
            """)
        .param("user", userId)
        .query(
            (rs, n) ->
                new Org(
                    rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4)))
        .list();
  }
}
