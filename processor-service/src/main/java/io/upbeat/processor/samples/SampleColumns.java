package io.upbeat.processor.samples;

import io.upbeat.events.TransactionEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The {@code txn_samples} columns that every way of keeping a sample writes (the samples pipeline's
 * samples, the tail pipeline's), as one array per column for a single {@code INSERT ... SELECT FROM
 * unnest(...)}: one statement for many rows, where a JDBC batch of single-row inserts costs
 * PostgreSQL an execution per row. {@link #UNNEST} lists the parameters' types and {@link #COLUMNS}
 * their names, in the order {@link #bind} binds them.
 */
public final class SampleColumns {
  /** The parameters' casts, for {@code unnest(...)}. */
  public static final String UNNEST =
      "?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::float8[],"
          + " ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]";

  /** The columns, in the parameters' order. */
  public static final String COLUMNS =
      "sample_id, app_id, environment, txn_type, txn_name, started_at, duration_ms,"
          + " transaction_id, trace_id, result, outcome, service_version, parent_id";

  private final UUID[] sampleIds;
  private final UUID[] apps;
  private final String[] environments;
  private final String[] types;
  private final String[] names;
  private final String[] startedAt;
  private final Double[] durations;
  private final String[] transactionIds;
  private final String[] traceIds;
  private final String[] results;
  private final String[] outcomes;
  private final String[] versions;
  private final String[] parentIds;

  /** Room for {@code rows} samples. */
  public SampleColumns(int rows) {
    sampleIds = new UUID[rows];
    apps = new UUID[rows];
    environments = new String[rows];
    types = new String[rows];
    names = new String[rows];
    startedAt = new String[rows];
    durations = new Double[rows];
    transactionIds = new String[rows];
    traceIds = new String[rows];
    results = new String[rows];
    outcomes = new String[rows];
    versions = new String[rows];
    parentIds = new String[rows];
  }

  /** Sets row {@code i}. */
  public void set(
      int i,
      UUID sampleId,
      UUID app,
      String environment,
      String serviceVersion,
      TransactionEvent t) {
    sampleIds[i] = sampleId;
    apps[i] = app;
    environments[i] = environment;
    types[i] = t.type();
    names[i] = t.name();
    startedAt[i] = t.timestamp().toString(); // ISO-8601: PostgreSQL keeps the microseconds
    durations[i] = t.durationMs();
    transactionIds[i] = t.id();
    traceIds[i] = t.traceId();
    results[i] = t.result();
    outcomes[i] = t.outcome();
    versions[i] = serviceVersion;
    parentIds[i] = t.parentId();
  }

  /**
   * Binds the columns to parameters {@code first} on.
   *
   * @return the next parameter's index
   */
  public int bind(Connection c, PreparedStatement ps, int first) throws SQLException {
    int p = first;
    ps.setArray(p++, c.createArrayOf("uuid", sampleIds));
    ps.setArray(p++, c.createArrayOf("uuid", apps));
    ps.setArray(p++, c.createArrayOf("text", environments));
    ps.setArray(p++, c.createArrayOf("text", types));
    ps.setArray(p++, c.createArrayOf("text", names));
    ps.setArray(p++, c.createArrayOf("text", startedAt));
    ps.setArray(p++, c.createArrayOf("float8", durations));
    ps.setArray(p++, c.createArrayOf("text", transactionIds));
    ps.setArray(p++, c.createArrayOf("text", traceIds));
    ps.setArray(p++, c.createArrayOf("text", results));
    ps.setArray(p++, c.createArrayOf("text", outcomes));
    ps.setArray(p++, c.createArrayOf("text", versions));
    ps.setArray(p++, c.createArrayOf("text", parentIds));
    return p;
  }
}
