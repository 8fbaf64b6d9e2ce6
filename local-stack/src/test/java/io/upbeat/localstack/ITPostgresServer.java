package io.upbeat.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ITPostgresServer {
  @TempDir Path dir;

  @Test
  void keepsDataAcrossRestartOnTheSameDirectory() throws Exception {
    Path data = dir.resolve("pg");
    Path runtime = dir.resolve("runtime");
    try (PostgresServer pg = PostgresServer.start(data, runtime, true)) {
      pg.ensureDatabase("kept", "kept_user", "secret");
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl("kept"), "kept_user", "secret");
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (v text)");
        s.execute("INSERT INTO t VALUES ('before restart')");
      }
    }

    try (PostgresServer pg = PostgresServer.start(data, runtime, true)) {
      pg.ensureDatabase("kept", "kept_user", "secret");
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl("kept"), "kept_user", "secret");
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT v FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("before restart");
      }
    }
  }
}
