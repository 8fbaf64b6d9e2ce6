package io.upbeat.api.servicemap;

import io.upbeat.api.servicemap.ServiceMap.Edge;
import io.upbeat.api.servicemap.ServiceMap.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Where the page draws each node and edge of a {@link ServiceMap}, computed on the server so that
 * the SVG needs no script: the org's apps in columns by call depth (an app nobody in the map calls
 * first, then what it calls, and so on), the external services in a last column on the right, and
 * each edge as a curve from its caller's right side to its callee's left side, labelled at its
 * middle: an edge to the next column goes straight across, one that skips columns arcs over the
 * rows, and a call back to the same or an earlier column loops around the right sides.
 */
record MapLayout(int width, int height, List<NodeView> nodes, List<EdgeView> edges) {
  static final int NODE_WIDTH = 180;
  static final int NODE_HEIGHT = 44;

  /** Wide enough between columns for an edge's label ("12.5/min · 0.40 % · 95.0 ms"). */
  static final int COLUMN_STEP = NODE_WIDTH + 170;

  static final int ROW_STEP = NODE_HEIGHT + 46;
  static final int MARGIN = 24;

  /**
   * The band above the first row that edges skipping a column arc through, so they pass over the
   * boxes between their ends instead of through them.
   */
  static final int ARC_BAND = 40;

  /** Where such an arc peaks, within the band. */
  static final int ARC_APEX = 22;

  /** The longest name drawn whole in a node; a longer one is cut (the full one is its tooltip). */
  static final int MAX_LABEL = 22;

  MapLayout {
    nodes = List.copyOf(nodes);
    edges = List.copyOf(edges);
  }

  /**
   * A node's box.
   *
   * @param label the name as drawn, cut to {@link #MAX_LABEL} characters
   * @param appId null for an external service (drawn without a link)
   */
  record NodeView(
      String id, UUID appId, String service, String label, boolean external, int x, int y) {
    public int width() {
      return NODE_WIDTH;
    }

    public int height() {
      return NODE_HEIGHT;
    }

    public int textX() {
      return x + NODE_WIDTH / 2;
    }

    public int textY() {
      return y + NODE_HEIGHT / 2 + 5;
    }
  }

  /**
   * An edge's curve ({@code path}, SVG path data) and where its label goes.
   *
   * @param rpm calls per minute over the window
   */
  record EdgeView(
      Edge edge,
      String fromService,
      String toService,
      String path,
      int labelX,
      int labelY,
      double rpm) {}

  static MapLayout of(ServiceMap map, double minutes) {
    Map<String, Integer> column = columns(map);
    Map<Integer, Integer> rowsUsed = new HashMap<>();
    Map<String, NodeView> views = new LinkedHashMap<>();
    int columns = 0;
    int rows = 0;
    for (Node n : map.nodes()) {
      int c = column.get(n.id());
      int r = rowsUsed.merge(c, 1, Integer::sum) - 1;
      columns = Math.max(columns, c + 1);
      rows = Math.max(rows, r + 1);
      views.put(
          n.id(),
          new NodeView(
              n.id(),
              n.appId(),
              n.service(),
              label(n.service()),
              n.external(),
              MARGIN + c * COLUMN_STEP,
              MARGIN + ARC_BAND + r * ROW_STEP));
    }
    List<EdgeView> edges = new ArrayList<>();
    for (Edge e : map.edges()) {
      NodeView from = views.get(e.from());
      NodeView to = views.get(e.to());
      edges.add(curve(e, from, to, minutes));
    }
    int width = columns == 0 ? 0 : 2 * MARGIN + (columns - 1) * COLUMN_STEP + NODE_WIDTH + 80;
    int height = rows == 0 ? 0 : 2 * MARGIN + ARC_BAND + (rows - 1) * ROW_STEP + NODE_HEIGHT;
    return new MapLayout(width, height, List.copyOf(views.values()), edges);
  }

  /**
   * Each node's column: apps by breadth-first depth from the apps no other app in the map calls (an
   * app reached only through a cycle starts a column-0 search of its own), externals after the
   * deepest app.
   */
  static Map<String, Integer> columns(ServiceMap map) {
    Map<String, List<String>> calls = new HashMap<>();
    Map<String, Integer> callers = new HashMap<>();
    Map<String, Node> byId = new HashMap<>();
    map.nodes().forEach(n -> byId.put(n.id(), n));
    for (Edge e : map.edges()) {
      if (byId.get(e.to()).external()) {
        continue;
      }
      calls.computeIfAbsent(e.from(), k -> new ArrayList<>()).add(e.to());
      callers.merge(e.to(), 1, Integer::sum);
    }
    Map<String, Integer> column = new HashMap<>();
    List<Node> apps = map.nodes().stream().filter(n -> !n.external()).toList();
    Deque<String> queue = new ArrayDeque<>();
    for (boolean rootsOnly : new boolean[] {true, false}) {
      for (Node app : apps) {
        if (column.containsKey(app.id()) || (rootsOnly && callers.containsKey(app.id()))) {
          continue;
        }
        column.put(app.id(), 0);
        queue.add(app.id());
        while (!queue.isEmpty()) {
          String at = queue.poll();
          for (String next : calls.getOrDefault(at, List.of())) {
            if (!column.containsKey(next)) {
              column.put(next, column.get(at) + 1);
              queue.add(next);
            }
          }
        }
      }
    }
    int externals = column.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    map.nodes().stream().filter(Node::external).forEach(n -> column.put(n.id(), externals));
    return column;
  }

  static String label(String name) {
    // Counted in code points, so a cut never splits an emoji's surrogate pair.
    return name.codePointCount(0, name.length()) <= MAX_LABEL
        ? name
        : name.substring(0, name.offsetByCodePoints(0, MAX_LABEL - 1)) + "…";
  }

  private static EdgeView curve(Edge e, NodeView from, NodeView to, double minutes) {
    double x1 = from.x() + NODE_WIDTH;
    double y1 = from.y() + NODE_HEIGHT / 2.0;
    double c1x;
    double c2x;
    double x2;
    double y2 = to.y() + NODE_HEIGHT / 2.0;
    double c1y = y1;
    double c2y = y2;
    if (to.x() > from.x() + COLUMN_STEP) {
      // Past the next column: over the boxes in between, peaking at ARC_APEX. The curve's middle
      // is (y1 + 3 c1y + 3 c2y + y2) / 8, so equal control heights of (8 apex - y1 - y2) / 6 put
      // it there.
      x2 = to.x();
      c1x = x1 + 90;
      c2x = x2 - 90;
      c1y = (8.0 * ARC_APEX - y1 - y2) / 6;
      c2y = c1y;
    } else if (to.x() > from.x()) {
      x2 = to.x();
      c1x = (x1 + x2) / 2;
      c2x = c1x;
    } else {
      // A call back to the same or an earlier column: out of the caller's right side and into
      // the callee's right side, bulging to the right.
      x2 = to.x() + NODE_WIDTH;
      c1x = Math.max(x1, x2) + 70;
      c2x = c1x;
    }
    String path =
        String.format(
            Locale.ROOT,
            "M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f",
            x1,
            y1,
            c1x,
            c1y,
            c2x,
            c2y,
            x2,
            y2);
    // The curve's point at t = 0.5: (P0 + 3 P1 + 3 P2 + P3) / 8.
    int labelX = (int) Math.round((x1 + 3 * c1x + 3 * c2x + x2) / 8);
    int labelY = (int) Math.round((y1 + 3 * c1y + 3 * c2y + y2) / 8) - 6;
    return new EdgeView(e, from.service(), to.service(), path, labelX, labelY, e.count() / minutes);
  }
}
