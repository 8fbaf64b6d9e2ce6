package io.upbeat.processor.consume;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The apps deleted so far (api-service's {@code deleted_apps}), whose events still in Kafka every
 * pipeline drops instead of storing. Refreshed every few seconds; api-service's purge sweeps an
 * app's tables once more after processors have surely refreshed, so rows written for events read
 * just before a refresh are deleted too. The set only grows (an app id is never reused), so a stale
 * copy drops too little for a few seconds, never too much.
 */
public final class DeletedApps {
  /** No app is deleted: for pipelines run without a database of deletions (tests). */
  public static final DeletedApps NONE = new DeletedApps(null);

  private final DataSource db;
  private volatile Set<UUID> ids = Set.of();

  /** Empty until {@link #refresh()} first succeeds. */
  public DeletedApps(DataSource db) {
    this.db = db;
  }

  public boolean contains(UUID app) {
    return app != null && ids.contains(app);
  }

  /** How many apps are known to be deleted. */
  public int size() {
    return ids.size();
  }

  /** Reads the whole set again (one row per app ever deleted: small). */
  public void refresh() throws SQLException {
    if (db == null) {
      return;
    }
    Set<UUID> fresh = new HashSet<>();
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT app_id FROM deleted_apps")) {
      while (rs.next()) {
        fresh.add(rs.getObject(1, UUID.class));
      }
    }
    ids = Set.copyOf(fresh);
  }
}
