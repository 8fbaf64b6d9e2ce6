package io.upbeat.api.access;

import io.upbeat.api.security.CiCaller;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The one place that decides who may see and change an org or an app: its members see, its owners
 * manage. Every org- and app-scoped endpoint resolves its path id here first. A caller outside the
 * org gets the same 404 as for an id that does not exist (or does not even parse), so ids reveal
 * nothing; a member attempting an owner's action gets 403 {@code forbidden}.
 *
 * <p>Owners manage members and roles, apps (create, delete, token rotation), webhooks, ownership,
 * alert and scrubbing rules, application packages; members read everything of the org and triage
 * errors (status, assignee) and may record releases.
 *
 * <p>A deleted app or org (its {@code deleted_at} set, its rows left to the purge job) is absent
 * here from the moment its deletion commits: 404 for everybody, like an id that never existed.
 */
@Component
public class AccessControl {
  private final JdbcClient jdbc;

  AccessControl(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** An org role. */
  public static final String OWNER = "owner";

  /** An org role. */
  public static final String MEMBER = "member";

  /** The org, for one of its owners; 403 for its other members, 404 for everybody else. */
  public OrgAccess orgAsOwner(CurrentUser user, String orgId) {
    OrgAccess org = org(user, orgId);
    if (!org.owner()) {
      throw forbidden("the organization");
    }
    return org;
  }

  /** The app, for an owner of its org; 403 for the org's other members, 404 for everybody else. */
  public AppAccess appAsOwner(CurrentUser user, String appId) {
    AppAccess app = app(user, appId);
    if (!app.owner()) {
      throw forbidden("the app");
    }
    return app;
  }

  private static ApiException forbidden(String what) {
    return new ApiException(
        ErrorCode.FORBIDDEN, "Only an owner of the organization may change " + what + " this way.");
  }

  /** The org, seen by one of its members; otherwise 404. */
  public OrgAccess org(CurrentUser user, String orgId) {
    UUID id = parse(orgId).orElseThrow(() -> ApiException.notFound("The organization"));
    return jdbc.sql(
            """
            SELECT m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
            WHERE m.org_id = :org AND m.user_id = :user AND o.deleted_at IS NULL
            """)
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
            SELECT a.id, a.org_id, a.name, a.created_at, m.role FROM apps a
            JOIN memberships m ON m.org_id = a.org_id AND m.user_id = :user
            WHERE a.id = :app AND a.deleted_at IS NULL
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
      return jdbc.sql(
              """
              SELECT id, org_id, name, created_at, 'ci' AS role FROM apps
              WHERE id = :app AND deleted_at IS NULL
              """)
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
        rs.getTimestamp(4).toInstant(),
        rs.getString(5));
  }

  private static Optional<UUID> parse(String id) {
    try {
      return Optional.of(UUID.fromString(id));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A caller's membership of an org. */
  public record OrgAccess(UUID orgId, String role) {
    /** Whether the caller may manage the org. */
    public boolean owner() {
      return OWNER.equals(role);
    }
  }

  /**
   * An app the caller may see.
   *
   * @param role the caller's role in the app's org ({@code owner}, {@code member}), or {@code ci}
   *     for the app's own CI token
   */
  public record AppAccess(UUID id, UUID orgId, String name, Instant createdAt, String role) {
    /** Whether the caller may manage the app. */
    public boolean owner() {
      return OWNER.equals(role);
    }
  }
}
