package io.upbeat.intake.validate;

import java.time.Instant;

/** Request bodies for tests: the contract's example, with timestamps near {@code now}. */
public final class Payloads {
  private Payloads() {}

  public static String valid(Instant now) {
    String t = now.minusSeconds(30).toString();
    return """
        {
          "service": {"name": "shop-web", "environment": "production", "version": "2026.11.26-3",
                      "agent": {"name": "upbeat-java", "version": "0.1.0"}, "language": "java",
                      "host": "web-1"},
          "transactions": [
            {"id": "a1b2c3", "trace_id": "0af7651916cd43dd8448eb211c80319c",
             "name": "GET /users/{id}", "type": "request", "timestamp": "%s",
             "duration_ms": 12.5, "result": "HTTP 2xx", "outcome": "success",
             "spans": [{"name": "SELECT FROM users", "type": "db.postgresql.query",
                        "start_ms": 1.2, "duration_ms": 3.4}],
             "context": {"request": {"method": "GET", "url": "/users/42"}, "user": {"id": "42"},
                         "tags": {"region": "eu"}}}
          ],
          "errors": [
            {"id": "e1", "timestamp": "%s", "transaction_id": "a1b2c3",
             "transaction_name": "GET /users/{id}", "level": "error",
             "culprit": "com.shop.UserService.find",
             "exception": {"type": "java.lang.NullPointerException", "message": "user is null",
                           "stacktrace": [{"module": "com.shop.UserService", "function": "find",
                                           "filename": "UserService.java",
                                           "path": "src/main/java/com/shop/UserService.java",
                                           "lineno": 42, "in_app": true}],
                           "cause": null},
             "fingerprint": null, "context": {}}
          ]
        }
        """
        .formatted(t, t);
  }

  /** {@code count} minimal transactions for service {@code shop}. */
  public static String transactions(Instant now, int count) {
    StringBuilder sb = new StringBuilder("{\"service\":{\"name\":\"shop\"},\"transactions\":[");
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"name\":\"GET /t")
          .append(i % 20)
          .append("\",\"type\":\"request\",\"timestamp\":\"")
          .append(now.minusSeconds(1))
          .append("\",\"duration_ms\":")
          .append(1 + i % 97)
          .append('}');
    }
    return sb.append("]}").toString();
  }
}
