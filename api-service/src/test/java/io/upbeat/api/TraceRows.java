package io.upbeat.api;

import io.upbeat.events.TokenDigest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The rows of a distributed trace as the pipelines write them (V36): sampled transactions with
 * their trace, parent and spans (each span with its own id, parent, destination and outcome), and
 * error occurrences with their trace, transaction and parent. {@code txn_samples} gets a default
 * partition, since no processor runs in these tests to create its daily ones.
 */
final class TraceRows {
  private final JdbcTemplate jdbc;

  TraceRows(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
    jdbc.execute("CREATE TABLE IF NOT EXISTS txn_samples_default PARTITION OF txn_samples DEFAULT");
  }

  /** A fresh W3C trace id: 32 lowercase hex digits. */
  static String traceId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  /** A fresh W3C span id: 16 lowercase hex digits. */
  static String spanId() {
    return traceId().substring(0, 16);
  }

  /** The ids of {@link #checkout}'s trace. */
  record Checkout(String trace, String root, String call, String stock, String query, UUID group) {}

  /**
   * A trace across two apps: {@code frontend}'s {@code GET /checkout} (100 ms from {@code start})
   * calls {@code inventory} from 10 ms for 50 ms (span {@code call}); inventory's {@code GET
   * /stock} starts 12 ms in, lasts 40 ms and fails, with its failing query (named {@code
   * queryName}) from 5 ms in for 20 ms and a span of an agent from before traces ({@code render},
   * no ids) 30 ms in; a {@code java.sql.SQLException} with {@code errorMessage} is captured in the
   * query 30 ms into the trace, in a group whose culprit is {@code com.shop.Stock.reserve}.
   */
  Checkout checkout(
      String frontend, String inventory, Instant start, String queryName, String errorMessage) {
    Checkout c = new Checkout(traceId(), spanId(), spanId(), spanId(), spanId(), null);
    transaction(
        frontend,
        c.trace(),
        c.root(),
        null,
        "GET /checkout",
        start,
        100,
        "success",
        "["
            + span(
                c.call(),
                c.root(),
                "GET inventory:8080/stock",
                "external.http",
                "inventory:8080",
                "success",
                10,
                50)
            + "]");
    transaction(
        inventory,
        c.trace(),
        c.stock(),
        c.call(),
        "GET /stock",
        start.plusMillis(12),
        40,
        "failure",
        "["
            + span(
                c.query(),
                c.stock(),
                queryName,
                "db.postgresql.query",
                "postgresql",
                "failure",
                5,
                20)
            + ",{\"name\":\"render\",\"type\":\"template\",\"start_ms\":30,\"duration_ms\":2}]");
    UUID group = group(inventory, "java.sql.SQLException", "deadlock");
    error(
        group,
        c.trace(),
        c.stock(),
        c.query(),
        start.plusMillis(30),
        "{\"type\":\"java.sql.SQLException\",\"message\":" + json(errorMessage) + "}");
    return new Checkout(c.trace(), c.root(), c.call(), c.stock(), c.query(), group);
  }

  /** A sampled transaction; {@code spans} is the stored JSON array. */
  UUID transaction(
      String app,
      String traceId,
      String id,
      String parentId,
      String name,
      Instant start,
      double durationMs,
      String outcome,
      String spans) {
    UUID sample = UUID.randomUUID();
    jdbc.update(
        """
        INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name, started_at,
          duration_ms, transaction_id, trace_id, parent_id, result, outcome, service_version,
          spans)
        VALUES (?, ?, 'production', 'request', ?, ?, ?, ?, ?, ?, 'HTTP 2xx', ?, 'v1', ?::jsonb)
        """,
        sample,
        UUID.fromString(app),
        name,
        Timestamp.from(start),
        durationMs,
        id,
        traceId,
        parentId,
        outcome,
        spans);
    return sample;
  }

  /** Many transactions of one trace at once, each {@code i} ms after {@code start}. */
  void transactions(String app, String traceId, Instant start, int count, String spans) {
    List<Object[]> rows = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      rows.add(
          new Object[] {
            UUID.randomUUID(),
            UUID.fromString(app),
            Timestamp.from(start.plusMillis(i)),
            spanId(),
            traceId,
            spans
          });
    }
    jdbc.batchUpdate(
        """
        INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name, started_at,
          duration_ms, transaction_id, trace_id, spans)
        VALUES (?, ?, 'production', 'request', 'GET /bulk', ?, 1, ?, ?, ?::jsonb)
        """,
        rows);
  }

  /** One span as the processor stores it inside a sample's {@code spans}. */
  static String span(
      String id,
      String parentId,
      String name,
      String type,
      String destination,
      String outcome,
      double startMs,
      double durationMs) {
    return """
        {"name":%s,"type":%s,"start_ms":%s,"duration_ms":%s,"id":%s,"parent_id":%s,\
        "destination":%s,"outcome":%s}"""
        .formatted(
            json(name),
            json(type),
            startMs,
            durationMs,
            json(id),
            json(parentId),
            json(destination),
            json(outcome));
  }

  /** An error group of {@code app}, culprit included. */
  UUID group(String app, String type, String message) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
          first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, 'com.shop.Stock.reserve', 1, now(), now())
        """,
        id,
        UUID.fromString(app),
        TokenDigest.sha256Hex(id.toString()),
        type,
        message);
    return id;
  }

  /** An occurrence of {@code group} in a trace. */
  void error(
      UUID group,
      String traceId,
      String transactionId,
      String parentId,
      Instant at,
      String exceptionJson) {
    jdbc.update(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, event_id, environment,
          transaction_name, message, exception, trace_id, transaction_id, parent_id)
        VALUES (?, ?, ?, 'production', 'GET /stock', 'stored message', ?::jsonb, ?, ?, ?)
        """,
        group,
        Timestamp.from(at),
        UUID.randomUUID().toString(),
        exceptionJson,
        traceId,
        transactionId,
        parentId);
  }

  /** Many occurrences of {@code group} in one trace at once. */
  void errors(UUID group, String traceId, Instant start, int count) {
    List<Object[]> rows = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      rows.add(new Object[] {group, Timestamp.from(start.plusMillis(i)), traceId});
    }
    jdbc.batchUpdate(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, environment, exception, trace_id)
        VALUES (?, ?, 'production', '{"type":"E"}'::jsonb, ?)
        """,
        rows);
  }

  /** A JSON string literal, or null. */
  static String json(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append("\\u%04x".formatted((int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
