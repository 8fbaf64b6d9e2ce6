package io.upbeat.agent.release;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The API's two release endpoints on loopback, recording what the command sent. */
final class FakeApi implements AutoCloseable {
  static final String APP = "0b7e5a1c-3f7e-4a51-9a6a-2c1d4e5f6a7b";
  static final String TOKEN = "ub_ci_test-token";

  private final HttpServer server;
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final List<String> posted = new CopyOnWriteArrayList<>();
  volatile int latestStatus = 404;
  volatile String latestBody =
      "{\"error\":\"not_found\",\"message\":\"The app's release was not found.\",\"details\":[]}";
  volatile int postStatus = 201;
  volatile String postBody;

  FakeApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The previous release, as {@code GET .../latest} will answer it. */
  void latest(String version, String headSha) {
    latestStatus = 200;
    latestBody =
        "{\"version\":\""
            + version
            + "\",\"environment\":\"production\",\"deployed_at\":\"2026-11-26T10:00:00Z\","
            + "\"head_sha\":"
            + (headSha == null ? "null" : "\"" + headSha + "\"")
            + "}";
  }

  private void handle(HttpExchange x) throws IOException {
    String method = x.getRequestMethod();
    String target = x.getRequestURI().toString();
    requests.add(method + " " + target);
    authorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
    String base = "/api/v1/apps/" + APP + "/releases";
    byte[] body = x.getRequestBody().readAllBytes();
    if (method.equals("GET") && x.getRequestURI().getPath().equals(base + "/latest")) {
      respond(x, latestStatus, latestBody);
    } else if (method.equals("POST") && target.equals(base)) {
      String json = new String(body, StandardCharsets.UTF_8);
      posted.add(json);
      int commits = ((List<?>) ((java.util.Map<?, ?>) Json.parse(json)).get("commits")).size();
      respond(
          x,
          postStatus,
          postBody != null ? postBody : "{\"version\":\"v\",\"commit_count\":" + commits + "}");
    } else {
      respond(x, 404, "{\"error\":\"not_found\",\"message\":\"No such path.\",\"details\":[]}");
    }
  }

  private static void respond(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
