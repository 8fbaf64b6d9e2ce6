package io.upbeat.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.localstack.junit.LocalStackExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ITSchema {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  @Test
  void migratesAFreshDatabaseToTheAccountTables() throws SQLException {
    DataSource ds = stack.stack().dataSource();
    Schema.flyway(ds).migrate();

    try (Connection c = ds.getConnection()) {
      List<String> tables = new ArrayList<>();
      try (var rs = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
        while (rs.next()) {
          tables.add(rs.getString("TABLE_NAME"));
        }
      }
      assertThat(tables).contains("orgs", "users", "memberships", "apps", "app_tokens", "api_keys");
    }
  }

  @Test
  void tokenColumnsAcceptOnlySha256Digests() throws SQLException {
    DataSource ds = stack.stack().dataSource();
    Schema.flyway(ds).migrate();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO orgs (id, slug, name) VALUES ('00000000-0000-0000-0000-000000000001',"
              + " 'acme', 'Acme')");
      s.execute(
          "INSERT INTO apps (id, org_id, name) VALUES ('00000000-0000-0000-0000-000000000002',"
              + " '00000000-0000-0000-0000-000000000001', 'shop')");
      // A plaintext token is longer than a digest and is refused by the table itself.
      assertThatThrownBy(
              () ->
                  s.execute(
                      "INSERT INTO app_tokens (id, app_id, kind, token_hash) VALUES"
                          + " (gen_random_uuid(), '00000000-0000-0000-0000-000000000002',"
                          + " 'secret', convert_to('ub_app_plaintextplaintextplaintext', 'UTF8'))"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("token_hash");
      s.execute(
          "INSERT INTO app_tokens (id, app_id, kind, token_hash) VALUES (gen_random_uuid(),"
              + " '00000000-0000-0000-0000-000000000002', 'secret', sha256('x'))");
    }
  }

  @Test
  void awaitMigratedFailsWithAClearMessageWhenTheOwnerNeverMigrates() {
    DataSource ds = stack.stack().dataSource();
    FakeTime time = new FakeTime();

    assertThatThrownBy(
            () -> Schema.awaitMigrated(Schema.flyway(ds), Duration.ofSeconds(5), time, time))
        .isInstanceOf(Schema.SchemaMismatchException.class)
        .hasMessageContaining("api-service");
    assertThat(time.slept).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void awaitMigratedWaitsForTheOwnerThenValidates() {
    DataSource ds = stack.stack().dataSource();
    Flyway flyway = Schema.flyway(ds);
    FakeTime time = new FakeTime();
    // The schema owner migrates while this service is waiting.
    Schema.Sleeper ownerMigratesMeanwhile =
        d -> {
          time.sleep(d);
          flyway.migrate();
        };

    Schema.awaitMigrated(flyway, Duration.ofMinutes(1), time, ownerMigratesMeanwhile);

    assertThat(flyway.info().pending()).isEmpty();
    assertThat(time.slept).isPositive();
  }

  @Test
  void awaitMigratedReturnsAtOnceOnAMigratedDatabase() {
    DataSource ds = stack.stack().dataSource();
    Schema.flyway(ds).migrate();
    FakeTime time = new FakeTime();

    Schema.awaitMigrated(Schema.flyway(ds), Duration.ofMinutes(1), time, time);

    assertThat(time.slept).isZero();
  }

  /** A clock that only moves when the code under test sleeps. */
  private static final class FakeTime extends Clock implements Schema.Sleeper {
    private Instant now = Instant.parse("2026-11-26T10:00:00Z");
    private Duration slept = Duration.ZERO;

    @Override
    public void sleep(Duration d) {
      now = now.plus(d);
      slept = slept.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
