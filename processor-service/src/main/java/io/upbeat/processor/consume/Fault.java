package io.upbeat.processor.consume;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * What a failed commit says about its records. A {@link #DATA} fault is caused by what some record
 * asks to store (PostgreSQL refuses the value or a constraint: SQLState classes 22 and 23, or 54
 * when one record's value exceeds a limit such as an index row size; any non-SQL exception the
 * effects raise): retrying the same records fails again, so they are isolated and dead-lettered.
 * Everything else is {@link #TRANSIENT} (PostgreSQL down, connection lost, pool timeout, resources,
 * serialization failure or deadlock, operator intervention, and any SQLState not known to be about
 * data): the same commit is retried later, so nothing is ever dropped on a doubt.
 */
enum Fault {
  DATA,
  TRANSIENT;

  /** Classifies what a commit threw. */
  static Fault of(Throwable e) {
    SQLException sql = firstSql(e);
    if (sql == null) {
      return DATA; // the effects' own code failed on a record's content
    }
    if (sql instanceof SQLTransientException || sql instanceof SQLRecoverableException) {
      return TRANSIENT;
    }
    String state = sqlState(sql);
    if (state == null || state.length() < 2) {
      return TRANSIENT; // I/O errors of the driver carry no state
    }
    return switch (state.substring(0, 2)) {
      case "22", "23", "54" -> DATA;
      default -> TRANSIENT;
    };
  }

  /** The SQLState of the first SQL exception in {@code e}'s causes, or null. */
  static String sqlState(Throwable e) {
    SQLException sql = firstSql(e);
    return sql == null ? null : sqlState(sql);
  }

  /** A short description of the fault for logs and dead-letter headers (never record values). */
  static String describe(Throwable e) {
    SQLException sql = firstSql(e);
    Throwable shown = sql == null ? e : innermost(sql);
    String message = shown.getMessage() == null ? shown.getClass().getName() : shown.getMessage();
    int line = message.indexOf('\n'); // PostgreSQL's Detail (the failing row's values) follows
    message = line < 0 ? message : message.substring(0, line);
    return message.length() <= 500 ? message : message.substring(0, 500) + "...";
  }

  private static String sqlState(SQLException sql) {
    // A batch's own state may be missing; the statement that failed is its next exception.
    String state = sql.getSQLState();
    if (state == null && sql.getNextException() != null) {
      state = sql.getNextException().getSQLState();
    }
    return state;
  }

  /** The failed statement of a batch rather than the batch (whose message lists its values). */
  private static Throwable innermost(SQLException sql) {
    return sql instanceof BatchUpdateException && sql.getNextException() != null
        ? sql.getNextException()
        : sql;
  }

  private static SQLException firstSql(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
    }
    return null;
  }
}
