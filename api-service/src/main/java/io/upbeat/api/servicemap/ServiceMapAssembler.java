package io.upbeat.api.servicemap;

import io.upbeat.api.servicemap.ServiceMap.Edge;
import io.upbeat.api.servicemap.ServiceMap.Node;
import io.upbeat.api.servicemap.ServiceMapStore.Call;
import io.upbeat.api.servicemap.ServiceMapStore.Evidence;
import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Builds the map from what the store read. The rule, in full:
 *
 * <ol>
 *   <li><b>Resolution.</b> Destination D of app A is app B when kept traces show an exit span of A
 *       naming D as the parent of a transaction of B (B another of the org's visible apps). When
 *       the traces name several apps for one (A, D), the app with the most such transactions wins
 *       (ties: the smaller app id, so the answer is stable). Resolution is per caller, since two
 *       apps may mean different services by one name ({@code localhost:8080}).
 *   <li><b>Exact edges.</b> A's calls to D go to node B when D resolves, else to the external node
 *       {@code external:D}. All destinations of A that lead to one node make one edge: counts and
 *       sums add up and sketches merge, so its p95 is as accurate as one destination's.
 *   <li><b>Sampled edges.</b> A pair of apps seen calling each other in the window's kept traces
 *       but with no exact edge between them (the span named no destination, or its agent sends no
 *       destination counts) gets an edge flagged {@code sampled}, counting those kept transactions:
 *       a lower bound that depends on sampling.
 * </ol>
 */
final class ServiceMapAssembler {
  private ServiceMapAssembler() {}

  static ServiceMap assemble(
      Instant from,
      Instant to,
      String environment,
      Map<UUID, String> apps,
      Map<Call, DurationStats> calls,
      List<Evidence> evidence) {
    Map<Call, UUID> resolved = resolve(apps, evidence);
    Map<UUID, Node> appNodes = new HashMap<>();
    apps.forEach((id, name) -> appNodes.put(id, Node.app(id, name)));
    Map<String, Node> nodes = new HashMap<>();

    record Key(String from, String to) {}
    class Exact {
      final DurationStats stats = new DurationStats();
      final Set<String> destinations = new TreeSet<>();
    }
    Map<Key, Exact> exact = new LinkedHashMap<>();
    calls.forEach(
        (call, stats) -> {
          Node caller = appNodes.get(call.app());
          if (caller == null) {
            return;
          }
          UUID callee = resolved.get(call);
          Node target = callee == null ? Node.external(call.destination()) : appNodes.get(callee);
          nodes.put(caller.id(), caller);
          nodes.put(target.id(), target);
          Exact e = exact.computeIfAbsent(new Key(caller.id(), target.id()), k -> new Exact());
          e.stats.merge(stats);
          e.destinations.add(call.destination());
        });

    class Sampled {
      long count;
      long failures;
      final Set<String> destinations = new TreeSet<>();
    }
    Map<Key, Sampled> sampled = new LinkedHashMap<>();
    for (Evidence e : evidence) {
      Node caller = appNodes.get(e.caller());
      Node callee = appNodes.get(e.callee());
      if (!e.inWindow()
          || caller == null
          || callee == null
          || caller == callee
          || (environment != null && !environment.equals(e.environment()))) {
        continue;
      }
      Key key = new Key(caller.id(), callee.id());
      if (exact.containsKey(key)) {
        continue;
      }
      Sampled s = sampled.computeIfAbsent(key, k -> new Sampled());
      s.count += e.children();
      s.failures += e.failures();
      if (e.destination() != null) {
        s.destinations.add(e.destination());
      }
      nodes.put(caller.id(), caller);
      nodes.put(callee.id(), callee);
    }

    List<Edge> edges = new ArrayList<>();
    exact.forEach(
        (k, e) -> {
          DurationStats s = e.stats;
          edges.add(
              new Edge(
                  k.from(),
                  k.to(),
                  s.count(),
                  s.failures(),
                  (double) s.failures() / s.count(),
                  s.sum() / s.count(),
                  s.sketch().quantile(0.95),
                  List.copyOf(e.destinations),
                  false));
        });
    sampled.forEach(
        (k, s) ->
            edges.add(
                new Edge(
                    k.from(),
                    k.to(),
                    s.count,
                    s.failures,
                    (double) s.failures / s.count,
                    null,
                    null,
                    List.copyOf(s.destinations),
                    true)));
    edges.sort(
        Comparator.comparingLong(Edge::count)
            .reversed()
            .thenComparing(Edge::from)
            .thenComparing(Edge::to));
    List<Node> ordered =
        nodes.values().stream()
            .sorted(
                Comparator.comparing((Node n) -> n.external())
                    .thenComparing(Node::service)
                    .thenComparing(Node::id))
            .toList();
    return new ServiceMap(from, to, environment, ordered, edges);
  }

  /** Each (caller, destination) the traces tie to an app: the app with the most evidence. */
  static Map<Call, UUID> resolve(Map<UUID, String> apps, List<Evidence> evidence) {
    Map<Call, Map<UUID, Long>> votes = new HashMap<>();
    for (Evidence e : evidence) {
      if (e.destination() == null
          || e.caller().equals(e.callee())
          || !apps.containsKey(e.caller())
          || !apps.containsKey(e.callee())) {
        continue;
      }
      votes
          .computeIfAbsent(new Call(e.caller(), e.destination()), k -> new HashMap<>())
          .merge(e.callee(), e.children(), Long::sum);
    }
    Map<Call, UUID> resolved = new HashMap<>();
    votes.forEach(
        (call, byApp) ->
            resolved.put(
                call,
                byApp.entrySet().stream()
                    .max(
                        Comparator.comparingLong((Map.Entry<UUID, Long> v) -> v.getValue())
                            .thenComparing(Map.Entry::getKey, Comparator.<UUID>reverseOrder()))
                    .orElseThrow()
                    .getKey()));
    return resolved;
  }
}
