package io.upbeat.api.servicemap;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The answer of {@code GET /api/v1/orgs/{org}/service-map}: who calls whom in the window, the one
 * shape the API and the page share.
 *
 * @param environment the callers' environment the edges are counted in, null for all
 * @param nodes the services in the edges: the org's apps first (by name), then the external
 *     destinations (by name)
 * @param edges by count, largest first
 */
record ServiceMap(
    Instant from, Instant to, String environment, List<Node> nodes, List<Edge> edges) {
  ServiceMap {
    nodes = List.copyOf(nodes);
    edges = List.copyOf(edges);
  }

  static final String APP = "app";
  static final String EXTERNAL = "external";

  /**
   * A service.
   *
   * @param id the app's id for an app, {@code external:<destination>} for anything else
   * @param appId null for an external node
   * @param service the app's name, or the destination as its callers name it
   * @param type {@code app} or {@code external}
   */
  record Node(String id, UUID appId, String service, String type) {
    static Node app(UUID id, String name) {
      return new Node(id.toString(), id, name, APP);
    }

    static Node external(String destination) {
      return new Node(EXTERNAL + ":" + destination, null, destination, EXTERNAL);
    }

    boolean external() {
      return EXTERNAL.equals(type);
    }
  }

  /**
   * The calls from one node to another in the window.
   *
   * @param from the calling node's id
   * @param to the called node's id
   * @param count exact (the callers' exit spans, every one counted), unless {@code sampled}
   * @param failures the calls whose outcome was {@code failure}
   * @param errorRate failures / count
   * @param avgMs null for a sampled edge
   * @param p95Ms within 1 % of the exact p95 of the calls' durations; null for a sampled edge
   * @param destinations the destination names (host:port, a database system) that lead there
   * @param sampled true when the edge is only known from the kept traces: then count and failures
   *     are the kept transactions of the callee whose parent span is in the caller, a share of the
   *     calls that depends on trace sampling
   */
  record Edge(
      String from,
      String to,
      long count,
      long failures,
      double errorRate,
      Double avgMs,
      Double p95Ms,
      List<String> destinations,
      boolean sampled) {
    Edge {
      destinations = List.copyOf(destinations);
    }
  }
}
