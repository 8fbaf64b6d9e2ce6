package io.upbeat.api.traces;

import io.upbeat.api.traces.TracePayloads.Span;
import io.upbeat.api.traces.TracePayloads.Trace;
import io.upbeat.api.traces.TracePayloads.TraceError;
import io.upbeat.api.traces.TracePayloads.Transaction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A trace laid out as the waterfall page draws it: one row per transaction, span and error, each
 * under its parent (depth first, siblings in the order they started), with its bar placed in % of
 * the trace's duration and a colour per service.
 *
 * <p>A transaction hangs under the span that called it; a span under its parent, or under its own
 * transaction when the parent is absent (agents before traces send none) or not in the trace; an
 * error under its parent, else its transaction. Anything whose parent is missing starts a tree of
 * its own at the top, so a partial trace still shows everything it has. Ids that form a cycle (only
 * a broken agent could send them) are drawn once, at the top.
 *
 * @param services the trace's services in the order they first appear; a row's {@code colour} is
 *     its service's index here, modulo {@link #COLOURS}
 */
record Waterfall(List<Service> services, List<Row> rows) {
  /** Distinct service colours the stylesheet defines ({@code .svc-0} to {@code .svc-5}). */
  static final int COLOURS = 6;

  /** Deeper rows are drawn at this indentation, so a deep trace stays readable. */
  static final int MAX_INDENT = 16;

  Waterfall {
    services = List.copyOf(services);
    rows = List.copyOf(rows);
  }

  record Service(UUID appId, String name, int colour) {}

  /**
   * One row.
   *
   * @param kind {@code transaction}, {@code span} or {@code error}
   * @param detail what kind of work: a transaction's type, a span's type and destination, an
   *     error's culprit
   * @param failed an outcome of {@code failure}, or an error
   * @param leftPct where the bar (or an error's marker) starts, in % of the trace
   * @param widthPct the bar's width in % of the trace (at least a sliver, so short work shows)
   */
  record Row(
      String kind,
      String name,
      String detail,
      String service,
      int colour,
      int depth,
      double startMs,
      double durationMs,
      double leftPct,
      double widthPct,
      boolean failed,
      UUID appId,
      String transactionName,
      String transactionType,
      UUID groupId) {
    /** The indentation in em, capped at {@link #MAX_INDENT} levels. */
    public double indentEm() {
      return Math.min(depth, MAX_INDENT) * 1.0;
    }

    Row at(int depth) {
      return new Row(
          kind,
          name,
          detail,
          service,
          colour,
          depth,
          startMs,
          durationMs,
          leftPct,
          widthPct,
          failed,
          appId,
          transactionName,
          transactionType,
          groupId);
    }
  }

  /** A row before it is placed in the tree: its own id and the ids it may hang under. */
  private record Node(String id, List<String> parents, Row row) {}

  static Waterfall of(Trace trace) {
    Map<UUID, Service> services = new LinkedHashMap<>();
    double total = Math.max(trace.durationMs(), 1e-9);
    List<Node> nodes = new ArrayList<>();
    for (Transaction t : trace.transactions()) {
      nodes.add(
          new Node(
              t.id(),
              parents(t.parentId()),
              row(
                  "transaction",
                  t.name(),
                  t.type(),
                  service(services, t.appId(), t.service()),
                  t.startMs(),
                  t.durationMs(),
                  total,
                  "failure".equals(t.outcome()),
                  t.appId(),
                  t.name(),
                  t.type(),
                  null)));
    }
    for (Span s : trace.spans()) {
      String detail =
          s.destination() == null
              ? s.type()
              : s.type() == null ? s.destination() : s.type() + " → " + s.destination();
      nodes.add(
          new Node(
              s.id(),
              parents(s.parentId(), s.transactionId()),
              row(
                  "span",
                  s.name(),
                  detail,
                  service(services, s.appId(), s.service()),
                  s.startMs(),
                  s.durationMs(),
                  total,
                  "failure".equals(s.outcome()),
                  s.appId(),
                  null,
                  null,
                  null)));
    }
    for (TraceError e : trace.errors()) {
      String type = e.exception().type() == null ? "error" : e.exception().type();
      nodes.add(
          new Node(
              null,
              parents(e.parentId(), e.transactionId()),
              row(
                  "error",
                  e.exception().message() == null ? type : type + ": " + e.exception().message(),
                  e.culprit(),
                  service(services, e.appId(), e.service()),
                  e.startMs(),
                  0,
                  total,
                  true,
                  e.appId(),
                  null,
                  null,
                  e.groupId())));
    }
    return new Waterfall(List.copyOf(services.values()), layout(nodes));
  }

  /** Depth first from the roots; siblings (and roots) in the order they started. */
  private static List<Row> layout(List<Node> nodes) {
    // Identity, not equality: two rows may look alike (an agent sending a span twice).
    Map<String, Node> byId = new HashMap<>();
    nodes.forEach(
        n -> {
          if (n.id() != null) {
            byId.putIfAbsent(n.id(), n);
          }
        });
    Map<Node, List<Node>> children = new IdentityHashMap<>();
    List<Node> roots = new ArrayList<>();
    for (Node n : nodes) {
      Node parent = null;
      for (String p : n.parents()) {
        Node candidate = byId.get(p);
        if (candidate != null && candidate != n) {
          parent = candidate;
          break;
        }
      }
      if (parent == null) {
        roots.add(n);
      } else {
        children.computeIfAbsent(parent, k -> new ArrayList<>()).add(n);
      }
    }
    Comparator<Node> byStart = Comparator.comparingDouble(n -> n.row().startMs());
    List<Row> rows = new ArrayList<>(nodes.size());
    Set<Node> placed = Collections.newSetFromMap(new IdentityHashMap<>());
    roots.sort(byStart);
    for (Node root : roots) {
      place(root, 0, children, byStart, placed, rows);
    }
    // Whatever is left hangs in a cycle of parent ids: draw each such tree once, at the top.
    for (Node n : nodes) {
      if (!placed.contains(n)) {
        place(n, 0, children, byStart, placed, rows);
      }
    }
    return rows;
  }

  private static void place(
      Node start,
      int startDepth,
      Map<Node, List<Node>> children,
      Comparator<Node> byStart,
      Set<Node> placed,
      List<Row> rows) {
    // Iterative, so a trace nested thousands deep cannot overflow the stack.
    record Visit(Node node, int depth) {}
    List<Visit> stack = new ArrayList<>();
    stack.add(new Visit(start, startDepth));
    while (!stack.isEmpty()) {
      Visit v = stack.removeLast();
      if (!placed.add(v.node())) {
        continue;
      }
      rows.add(v.node().row().at(v.depth()));
      List<Node> kids = new ArrayList<>(children.getOrDefault(v.node(), List.of()));
      kids.sort(byStart.reversed());
      for (Node kid : kids) {
        stack.add(new Visit(kid, v.depth() + 1));
      }
    }
  }

  private static List<String> parents(String... ids) {
    List<String> list = new ArrayList<>(ids.length);
    for (String id : ids) {
      if (id != null) {
        list.add(id);
      }
    }
    return list;
  }

  private static Service service(Map<UUID, Service> services, UUID app, String name) {
    return services.computeIfAbsent(app, id -> new Service(id, name, services.size() % COLOURS));
  }

  private static Row row(
      String kind,
      String name,
      String detail,
      Service service,
      double startMs,
      double durationMs,
      double total,
      boolean failed,
      UUID appId,
      String transactionName,
      String transactionType,
      UUID groupId) {
    double left = Math.max(0, Math.min(99.5, startMs / total * 100));
    double width = Math.max(0.5, Math.min(100 - left, durationMs / total * 100));
    return new Row(
        kind,
        name == null ? kind : name,
        detail,
        service.name(),
        service.colour(),
        0,
        startMs,
        durationMs,
        left,
        width,
        failed,
        appId,
        transactionName,
        transactionType,
        groupId);
  }
}
