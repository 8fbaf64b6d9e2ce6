package io.upbeat.api.access;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The apps an org's members see across the org (a trace, the service map): its live apps only. An
 * app pending deletion is left out from the moment its deletion commits, as {@link AccessControl}
 * hides it, so its data never shows while the purge job removes it.
 */
@Component
public class OrgApps {
  static final String LIVE =
      "SELECT id, name FROM apps WHERE org_id = :org AND deleted_at IS NULL ORDER BY created_at, id";

  private final JdbcClient jdbc;

  OrgApps(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The org's live apps, id to name, oldest first. The caller has checked through {@link
   * AccessControl#org} that the user may see the org.
   */
  public Map<UUID, String> live(UUID org) {
    Map<UUID, String> apps = new LinkedHashMap<>();
    jdbc.sql(LIVE)
        .param("org", org)
        .query(
            rs -> {
              apps.put(rs.getObject(1, UUID.class), rs.getString(2));
            });
    return apps;
  }

  /** The org's name, for a page's title; the caller has checked access. */
  public String orgName(UUID org) {
    return jdbc.sql("SELECT name FROM orgs WHERE id = :org")
        .param("org", org)
        .query(String.class)
        .single();
  }
}
