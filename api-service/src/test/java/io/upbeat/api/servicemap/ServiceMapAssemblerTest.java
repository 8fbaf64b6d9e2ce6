package io.upbeat.api.servicemap;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.servicemap.ServiceMap.Edge;
import io.upbeat.api.servicemap.ServiceMapStore.Call;
import io.upbeat.api.servicemap.ServiceMapStore.Evidence;
import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ServiceMapAssemblerTest {
  private static final Instant FROM = Instant.parse("2026-12-05T10:00:00Z");
  private static final Instant TO = Instant.parse("2026-12-05T11:00:00Z");
  private static final UUID A = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID B = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private static final UUID C = UUID.fromString("00000000-0000-0000-0000-00000000000c");
  private static final Map<UUID, String> APPS = Map.of(A, "a", B, "b", C, "c");

  private static DurationStats stats(double... ms) {
    DurationStats s = new DurationStats();
    for (double m : ms) {
      s.add(m, false);
    }
    return s;
  }

  private static Evidence evidence(UUID caller, String destination, UUID callee, long n) {
    return new Evidence(caller, "production", destination, callee, true, n, 0);
  }

  @Test
  void aTieGoesToTheSmallerAppIdSoTheAnswerIsStable() {
    List<Evidence> tie = List.of(evidence(A, "lb:80", C, 2), evidence(A, "lb:80", B, 2));
    assertThat(ServiceMapAssembler.resolve(APPS, tie)).containsEntry(new Call(A, "lb:80"), B);
    List<Evidence> more = List.of(evidence(A, "lb:80", C, 3), evidence(A, "lb:80", B, 2));
    assertThat(ServiceMapAssembler.resolve(APPS, more)).containsEntry(new Call(A, "lb:80"), C);
  }

  @Test
  void resolutionIsPerCallerAndIgnoresAppsNotShown() {
    UUID hidden = UUID.randomUUID();
    List<Evidence> evidence =
        List.of(
            evidence(A, "localhost:8080", B, 1),
            evidence(C, "localhost:8080", A, 1),
            evidence(A, "x:1", hidden, 5),
            evidence(A, "self:1", A, 5));
    Map<Call, UUID> resolved = ServiceMapAssembler.resolve(APPS, evidence);
    assertThat(resolved)
        .containsOnly(
            Map.entry(new Call(A, "localhost:8080"), B),
            Map.entry(new Call(C, "localhost:8080"), A));
  }

  @Test
  void callsOfAnAppNotShownAreLeftOutAndUnresolvedOnesAreExternal() {
    Map<Call, DurationStats> calls = new LinkedHashMap<>();
    calls.put(new Call(UUID.randomUUID(), "db"), stats(1));
    calls.put(new Call(A, "db"), stats(1, 2));
    ServiceMap map = ServiceMapAssembler.assemble(FROM, TO, null, APPS, calls, List.of());
    assertThat(map.nodes())
        .extracting(ServiceMap.Node::id)
        .containsExactly(A.toString(), "external:db");
    assertThat(map.edges()).singleElement().extracting(Edge::count).isEqualTo(2L);
  }

  @Test
  void sampledEdgesKeepToTheWindowAndTheEnvironment() {
    List<Evidence> evidence =
        List.of(
            new Evidence(A, "production", null, B, true, 3, 1),
            new Evidence(A, "staging", null, B, true, 5, 0),
            new Evidence(A, "production", null, B, false, 7, 0));
    ServiceMap production =
        ServiceMapAssembler.assemble(FROM, TO, "production", APPS, Map.of(), evidence);
    assertThat(production.edges())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.sampled()).isTrue();
              assertThat(e.count()).isEqualTo(3);
              assertThat(e.failures()).isEqualTo(1);
              assertThat(e.p95Ms()).isNull();
            });
    ServiceMap all = ServiceMapAssembler.assemble(FROM, TO, null, APPS, Map.of(), evidence);
    assertThat(all.edges()).singleElement().extracting(Edge::count).isEqualTo(8L);
  }
}
