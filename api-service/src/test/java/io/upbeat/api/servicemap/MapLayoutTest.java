package io.upbeat.api.servicemap;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.servicemap.ServiceMap.Edge;
import io.upbeat.api.servicemap.ServiceMap.Node;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MapLayoutTest {
  private static final UUID A = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID B = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private static final UUID C = UUID.fromString("00000000-0000-0000-0000-00000000000c");

  private static Edge edge(Object from, Object to) {
    return new Edge(from.toString(), to.toString(), 60, 0, 0, 1.0, 2.0, List.of(), false);
  }

  private static ServiceMap map(List<Node> nodes, List<Edge> edges) {
    return new ServiceMap(Instant.EPOCH, Instant.EPOCH.plusSeconds(3600), null, nodes, edges);
  }

  @Test
  void columnsFollowCallDepthWithExternalsOnTheRight() {
    ServiceMap map =
        map(
            List.of(Node.app(A, "a"), Node.app(B, "b"), Node.app(C, "c"), Node.external("db")),
            List.of(edge(A, B), edge(B, C), edge(C, "external:db"), edge(A, "external:db")));
    assertThat(MapLayout.columns(map))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(A.toString(), 0, B.toString(), 1, C.toString(), 2, "external:db", 3));
    MapLayout layout = MapLayout.of(map, 60);
    assertThat(layout.nodes())
        .extracting(MapLayout.NodeView::x)
        .containsExactly(24, 374, 724, 1074);
    assertThat(layout.edges().getFirst().rpm()).isEqualTo(1.0);
    // Rows start below the band the long arcs use: the boxes' middles are at 24 + 40 + 22.
    assertThat(layout.edges().getFirst().path())
        .isEqualTo("M 204.0 86.0 C 289.0 86.0, 289.0 86.0, 374.0 86.0");
    assertThat(layout.width()).isGreaterThan(1074 + MapLayout.NODE_WIDTH);
    // a -> db skips two columns: it arcs over b and c, its label at the arc's top.
    MapLayout.EdgeView skipping = layout.edges().get(3);
    assertThat(skipping.path()).isEqualTo("M 204.0 86.0 C 294.0 0.7, 984.0 0.7, 1074.0 86.0");
    assertThat(skipping.labelY()).isEqualTo(MapLayout.ARC_APEX - 6);
  }

  @Test
  void aCycleWithoutARootStillGetsColumnsAndCurvesBack() {
    ServiceMap map =
        map(List.of(Node.app(A, "a"), Node.app(B, "b")), List.of(edge(A, B), edge(B, A)));
    assertThat(MapLayout.columns(map))
        .containsEntry(A.toString(), 0)
        .containsEntry(B.toString(), 1);
    MapLayout layout = MapLayout.of(map, 1);
    // B -> A goes out of B's right side and into A's right side.
    assertThat(layout.edges().get(1).path()).startsWith("M 554.0 86.0").endsWith("204.0 86.0");
  }

  @Test
  void cutsLongNamesWithoutSplittingACharacter() {
    assertThat(MapLayout.label("short")).isEqualTo("short");
    String emoji = "😀".repeat(30);
    String cut = MapLayout.label(emoji);
    assertThat(cut.codePointCount(0, cut.length())).isEqualTo(MapLayout.MAX_LABEL);
    assertThat(cut).endsWith("😀…");
  }

  @Test
  void anEmptyMapIsEmpty() {
    MapLayout layout = MapLayout.of(map(List.of(), List.of()), 60);
    assertThat(layout.width()).isZero();
    assertThat(layout.nodes()).isEmpty();
  }
}
