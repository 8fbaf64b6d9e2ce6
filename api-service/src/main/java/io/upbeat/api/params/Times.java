package io.upbeat.api.params;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Timestamps between the API and PostgreSQL, in UTC and without calendar surprises. */
public final class Times {
  /** The range a query parameter may name: years 1 to 9999, as RFC 3339 writes them. */
  public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

  private Times() {}

  /** A bind value for a {@code timestamptz} parameter (proleptic Gregorian, unlike Timestamp). */
  public static OffsetDateTime bind(Instant t) {
    return t.atOffset(ZoneOffset.UTC);
  }

  public static Instant read(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
