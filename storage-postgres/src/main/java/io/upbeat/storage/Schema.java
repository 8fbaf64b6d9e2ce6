package io.upbeat.storage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * Upbeat's database schema, owned here and nowhere else. One service (api-service) applies the
 * migrations; the others only check, before they start work, that the database holds exactly the
 * schema they were built against.
 */
public final class Schema {
  /** Where the migrations live on the classpath (Flyway location syntax). */
  public static final String LOCATION = "classpath:db/upbeat";

  private Schema() {}

  /** A Flyway configured for Upbeat's migrations on {@code dataSource}. */
  public static Flyway flyway(DataSource dataSource) {
    return Flyway.configure().dataSource(dataSource).locations(LOCATION).load();
  }

  /**
   * Waits until every migration this build knows has been applied (by the schema owner, possibly
   * still starting), then validates the applied ones against this build's scripts. Migrations newer
   * than this build are accepted, so services can be upgraded one by one.
   *
   * @throws SchemaMismatchException if validation fails or the migrations are still pending after
   *     {@code timeout}
   */
  public static void awaitMigrated(Flyway flyway, Duration timeout, Clock clock, Sleeper sleeper) {
    Instant deadline = clock.instant().plus(timeout);
    MigrationInfo[] pending = flyway.info().pending();
    while (pending.length > 0) {
      if (!clock.instant().isBefore(deadline)) {
        throw new SchemaMismatchException(
            "the database schema is at version "
                + currentVersion(flyway)
                + " but this service needs "
                + pending[pending.length - 1].getVersion()
                + "; is api-service (the schema owner) running?");
      }
      sleeper.sleep(Duration.ofMillis(500));
      pending = flyway.info().pending();
    }
    ValidateResult result = flyway.validateWithResult();
    if (!result.validationSuccessful) {
      throw new SchemaMismatchException(
          "the database schema does not match this service: " + result.getAllErrorMessages());
    }
  }

  private static String currentVersion(Flyway flyway) {
    MigrationInfo current = flyway.info().current();
    return current == null ? "(empty)" : current.getVersion().toString();
  }

  /** How to wait between checks; tests pass one that advances a fake clock. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d);

    Sleeper THREAD =
        d -> {
          try {
            Thread.sleep(d);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaMismatchException("interrupted while waiting for the schema");
          }
        };
  }

  /** The database does not hold the schema this service was built against. */
  public static final class SchemaMismatchException extends RuntimeException {
    public SchemaMismatchException(String message) {
      super(message);
    }
  }
}
