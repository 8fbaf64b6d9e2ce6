package io.upbeat.api.access;

import io.upbeat.api.security.CiCaller;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The one place that decides who may see an org or an app: its members, and nobody else. Every org-
 * and app-scoped endpoint resolves its path id here first. A caller outside the org gets the same
 * 404 as for an id that does not exist (or does not even parse), so ids reveal nothing.
 */
@Component
public class AccessControl {
  private final JdbcClient jdbc;

  AccessControl(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The org, seen by one of its members; otherwise 404. */
  public OrgAccess org(CurrentUser user, String orgId) {
    UUID id = parse(orgId).orElseThrow(() -> ApiException.notFound("The organization"));
    return jdbc.sql("SELECT role FROM memberships WHERE org_id = :org AND user_id = :user")
        .param("org", id)
        .param("user", user.id())
        .query((rs, n) -> new OrgAccess(id, rs.getString(1)))
        .optional()
        .orElseThrow(() -> ApiException.notFound("The organization"));
  }

  /** The app, seen by a member of its org; otherwise 404. */
  public AppAccess app(CurrentUser user, String appId) {
    UUID id = parse(appId).orElseThrow(() -> ApiException.notFound("The app"));
    return jdbc.sql(
            """
            SELECT a.id, a.org_id, a.name, a.created_at FROM apps a
            JOIN memberships m ON m.org_id = a.org_id AND m.user_id = :user
            WHERE a.id = :app
            """)
        .param("app", id)
        .param("user", user.id())
        .query(AccessControl::appAccess)
        .optional()
        .orElseThrow(() -> ApiException.notFound("The app"));
  }

  /**
   * The app, for a caller that is either a member (API key or session) or CI with that app's own CI
   * token; a CI token of any other app gets the same 404 as a stranger.
   */
  public AppAccess app(Object principal, String appId) {
    if (principal instanceof CurrentUser user) {
      return app(user, appId);
    }
    if (principal instanceof CiCaller ci) {
      UUID id = parse(appId).orElseThrow(() -> ApiException.notFound("The app"));
      if (!ci.appId().equals(id)) {
        throw ApiException.notFound("The app");
      }
      return jdbc.sql("SELECT id, org_id, name, created_at FROM apps WHERE id = :app")
          .param("app", id)
          .query(AccessControl::appAccess)
          .optional()
          .orElseThrow(() -> ApiException.notFound("The app"));
    }
    throw ApiException.notFound("The app");
  }

  private static AppAccess appAccess(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new AppAccess(
        rs.getObject(1, UUID.class),
        rs.getObject(2, UUID.class),
        rs.getString(3),
        rs.getTimestamp(4).toInstant());
  }

  private static Optional<UUID> parse(String id) {
    try {
      return Optional.of(UUID.fromString(id));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A caller's membership of an org. */
  public record OrgAccess(UUID orgId, String role) {}

  /** An app the caller may see. */
  public record AppAccess(UUID id, UUID orgId, String name, Instant createdAt) {}
}
