package io.upbeat.spring;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import tools.jackson.databind.JsonNode;

/**
 * Intake's {@code /v1/events} on loopback for the starter's application tests: answers 202 and
 * keeps every body, the aggregates apart.
 */
final class FakeIntake {
  /** Bodies of transactions and errors, in arrival order. */
  final List<JsonNode> received = new CopyOnWriteArrayList<>();

  /** Every {@code transaction_metrics} element received. */
  final List<JsonNode> aggregates = new CopyOnWriteArrayList<>();

  private final HttpServer server;

  FakeIntake() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.createContext(
        "/v1/events",
        exchange -> {
          try (GZIPInputStream in =
              new GZIPInputStream(
                  new ByteArrayInputStream(exchange.getRequestBody().readAllBytes()))) {
            JsonNode body =
                tools.jackson.databind.json.JsonMapper.shared().readTree(in.readAllBytes());
            if (body.has("transaction_metrics")) {
              aggregates.addAll(body.get("transaction_metrics").valueStream().toList());
            } else {
              received.add(body);
            }
          }
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    server.start();
  }

  /** Its base URL: the agent's {@code upbeat.server-url}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The elements of every received body's {@code transactions} or {@code errors}. */
  List<JsonNode> sent(String array) {
    return received.stream().flatMap(b -> b.get(array).valueStream()).toList();
  }

  /** Transactions counted in the aggregates received. */
  long counted() {
    return aggregates.stream().mapToLong(a -> a.get("count").asLong()).sum();
  }

  void stop() {
    server.stop(0);
  }
}
