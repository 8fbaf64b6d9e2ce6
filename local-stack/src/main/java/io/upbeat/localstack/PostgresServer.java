package io.upbeat.localstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (binaries shipped as Maven artifacts) in a child process. Its data
 * directory is kept between starts when the caller gives a fixed one; the port is chosen free at
 * each start. Only loopback connections are accepted.
 */
public final class PostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final int BIND_ATTEMPTS = 3;

  private final EmbeddedPostgres postgres;

  private PostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on {@code dataDir} (created by initdb if empty), with binaries unpacked under
   * {@code runtimeDir}.
   *
   * @param keepData whether {@code dataDir} survives {@link #close()}
   */
  public static PostgresServer start(Path dataDir, Path runtimeDir, boolean keepData) {
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(runtimeDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create PostgreSQL directories", e);
    }
    if (keepData) {
      stopStaleServer(dataDir);
    }
    IOException last = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      try {
        EmbeddedPostgres postgres =
            EmbeddedPostgres.builder()
                .setPort(FreePorts.pick())
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(!keepData)
                .setOverrideWorkingDirectory(runtimeDir.toFile())
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", keepData ? "on" : "off")
                .setServerConfig("synchronous_commit", keepData ? "on" : "off")
                .setServerConfig("full_page_writes", keepData ? "on" : "off")
                .start();
        log.info("PostgreSQL on 127.0.0.1:{} with data in {}", postgres.getPort(), dataDir);
        return new PostgresServer(postgres);
      } catch (IOException e) {
        last = e;
        log.warn("PostgreSQL failed to start (attempt {}): {}", attempt, e.toString());
      }
    }
    throw new UncheckedIOException("PostgreSQL did not start in " + dataDir, last);
  }

  /**
   * Stops a server that a previous launcher started on {@code dataDir} and left running (the
   * launcher was killed), so this start can take the directory over. PostgreSQL's smart shutdown
   * (SIGTERM) first; if it lingers, SIGKILL, from which PostgreSQL recovers by replaying its WAL.
   */
  static void stopStaleServer(Path dataDir) {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
    } catch (IOException | RuntimeException e) {
      return; // Unreadable: PostgreSQL itself will judge the file at start.
    }
    ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
        .ifPresent(
            p -> {
              log.warn("Stopping PostgreSQL (pid {}) left running on {}", pid, dataDir);
              p.destroy();
              try {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
              } catch (Exception e) {
                p.destroyForcibly();
              }
            });
  }

  public int port() {
    return postgres.getPort();
  }

  /** JDBC URL of {@code database}, without credentials. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  /**
   * Creates a login role and a database owned by it unless they exist already; idempotent, so a
   * restarted dev stack keeps its database.
   */
  public void ensureDatabase(String database, String user, String password) {
    requireIdentifier(database);
    requireIdentifier(user);
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
        s.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
      }
      if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
        s.execute("CREATE DATABASE " + database + " OWNER " + user);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + database, e);
    }
  }

  private static boolean exists(Connection c, String sql, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void requireIdentifier(String name) {
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException("not a plain SQL identifier: " + name);
    }
  }

  /** Stops the server with a fast, clean shutdown (pg_ctl stop -m fast). */
  @Override
  public void close() {
    try {
      postgres.close();
      log.info("PostgreSQL stopped");
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not stop cleanly", e);
    }
  }
}
