package io.upbeat.bench.agent;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback collector for the agent overhead benchmark: accepts whatever any agent posts (Upbeat
 * intake's {@code /v1/events}, OTLP over HTTP, Elastic APM's intake) with the answer each expects,
 * reads every body in full, and counts requests and bytes. Usage: {@code Sink PORT}; prints its
 * counters when stopped.
 */
public final class Sink {
  private Sink() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    AtomicLong requests = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            bytes.addAndGet(in.transferTo(java.io.OutputStream.nullOutputStream()));
          }
          requests.incrementAndGet();
          String path = exchange.getRequestURI().getPath();
          if (path.startsWith("/v1/traces")
              || path.startsWith("/v1/metrics")
              || path.startsWith("/v1/logs")) {
            // OTLP/HTTP: an empty protobuf Export*ServiceResponse.
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
          } else if (path.equals("/") && exchange.getRequestMethod().equals("GET")) {
            // Elastic APM's server information request.
            byte[] body = "{\"version\":\"8.15.0\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          } else if (path.startsWith("/config/")) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.sendResponseHeaders(202, -1); // Upbeat /v1/events, Elastic /intake/v2/events
          }
          exchange.close();
        });
    server.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    System.out.printf("SINK requests=%d bytes=%d%n", requests.get(), bytes.get())));
    System.out.println("SINK listening on " + port);
    Thread.currentThread().join();
  }
}
