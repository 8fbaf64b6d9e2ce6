package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FaultTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "22021", // invalid byte sequence (a NUL in a text)
        "22001", // string too long
        "22P02", // invalid text representation
        "23514", // check violation (also: no partition for the row)
        "23505", // unique violation
        "23502", // not null violation
        "54000" // program limit exceeded (index row too big)
      })
  void dataFaultsAreTheRecordsFault(String state) {
    assertThat(Fault.of(new SQLException("refused", state))).isEqualTo(Fault.DATA);
    assertThat(Fault.sqlState(new SQLException("refused", state))).isEqualTo(state);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "08001", // cannot connect (PostgreSQL down)
        "08006", // connection lost
        "53300", // too many connections
        "53100", // disk full
        "40001", // serialization failure
        "40P01", // deadlock
        "57P01", // admin shutdown
        "57014", // query canceled
        "42P01", // undefined table: a deployment fault, not a record's
        "25P02", // transaction aborted
        "XX000"
      })
  void everythingElseIsRetried(String state) {
    assertThat(Fault.of(new SQLException("down", state))).isEqualTo(Fault.TRANSIENT);
  }

  @Test
  void transientAndRecoverableExceptionsAreRetriedWhateverTheirState() {
    // A pool timeout (HikariCP's SQLTransientConnectionException) and a driver I/O error.
    assertThat(Fault.of(new SQLTransientConnectionException("pool timeout", "23000")))
        .isEqualTo(Fault.TRANSIENT);
    assertThat(Fault.of(new SQLRecoverableException("reconnect", "22000")))
        .isEqualTo(Fault.TRANSIENT);
    assertThat(Fault.of(new SQLNonTransientConnectionException("refused", "08001")))
        .isEqualTo(Fault.TRANSIENT);
    assertThat(Fault.of(new SQLException("I/O error, no state"))).isEqualTo(Fault.TRANSIENT);
  }

  @Test
  void aBatchIsClassifiedByItsFailedStatement() {
    BatchUpdateException batch =
        new BatchUpdateException("Batch entry 0 INSERT ...", null, 0, null);
    batch.setNextException(
        new SQLException("invalid byte sequence for encoding \"UTF8\": 0x00", "22021"));
    assertThat(Fault.of(batch)).isEqualTo(Fault.DATA);
    assertThat(Fault.sqlState(batch)).isEqualTo("22021");
    assertThat(Fault.describe(batch))
        .isEqualTo("invalid byte sequence for encoding \"UTF8\": 0x00");
  }

  @Test
  void nonSqlExceptionsOfTheEffectsAreDataFaultsUnlessCausedBySql() {
    assertThat(Fault.of(new IllegalArgumentException("bad value"))).isEqualTo(Fault.DATA);
    assertThat(Fault.sqlState(new IllegalArgumentException("bad value"))).isNull();
    assertThat(
            Fault.of(
                new UncheckedIOException(
                    "wrapped", new java.io.IOException(new SQLException("down", "08006")))))
        .isEqualTo(Fault.TRANSIENT);
    assertThat(Fault.of(new RuntimeException(new SQLException("refused", "23505"))))
        .isEqualTo(Fault.DATA);
  }

  @Test
  void descriptionsLeaveOutTheFailingRowsValues() {
    SQLException e =
        new SQLException(
            "ERROR: new row for relation \"error_groups\" violates check constraint \"c\"\n"
                + "  Detail: Failing row contains (secret)",
            "23514");
    assertThat(Fault.describe(e))
        .isEqualTo("ERROR: new row for relation \"error_groups\" violates check constraint \"c\"");
  }

  @Test
  void descriptionsAreBounded() {
    assertThat(Fault.describe(new SQLException("x".repeat(10_000), "22001"))).hasSize(503);
  }
}
