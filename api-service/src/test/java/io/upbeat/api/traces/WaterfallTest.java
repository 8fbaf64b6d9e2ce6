package io.upbeat.api.traces;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.traces.TracePayloads.Span;
import io.upbeat.api.traces.TracePayloads.Thrown;
import io.upbeat.api.traces.TracePayloads.Trace;
import io.upbeat.api.traces.TracePayloads.TraceError;
import io.upbeat.api.traces.TracePayloads.Transaction;
import io.upbeat.api.traces.Waterfall.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WaterfallTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final UUID FRONT = UUID.randomUUID();
  private static final UUID BACK = UUID.randomUUID();

  private static Transaction txn(String id, String parent, UUID app, double start, double ms) {
    return new Transaction(
        id,
        parent,
        app,
        app == FRONT ? "front" : "back",
        "production",
        "GET /" + id,
        "request",
        T0.plusMillis((long) start),
        start,
        ms,
        null,
        "success",
        UUID.randomUUID(),
        "head");
  }

  private static Span span(String id, String parent, String txn, UUID app, double start) {
    return new Span(
        id,
        parent,
        txn,
        app,
        app == FRONT ? "front" : "back",
        "span " + id,
        "db",
        null,
        "success",
        T0.plusMillis((long) start),
        start,
        1);
  }

  private static Trace trace(List<Transaction> t, List<Span> s, List<TraceError> e) {
    return new Trace("t", T0, 100, false, TraceStore.missingParents(t, s, e), t, s, e);
  }

  private static List<String> layout(Waterfall w) {
    List<String> out = new ArrayList<>();
    for (Row r : w.rows()) {
      out.add(r.depth() + ":" + r.name());
    }
    return out;
  }

  @Test
  void nestsTransactionsUnderTheSpansThatCalledThemAndOrdersSiblingsByStart() {
    Waterfall w =
        Waterfall.of(
            trace(
                List.of(txn("a", null, FRONT, 0, 100), txn("b", "s1", BACK, 20, 10)),
                List.of(
                    span("s2", "a", "a", FRONT, 50),
                    span("s1", "a", "a", FRONT, 10),
                    span(null, null, "b", BACK, 25)),
                List.of(
                    new TraceError(
                        1,
                        "e",
                        UUID.randomUUID(),
                        BACK,
                        "back",
                        "b",
                        null,
                        T0.plusMillis(28),
                        28,
                        new Thrown("E", "boom"),
                        null))));
    assertThat(layout(w))
        .containsExactly(
            "0:GET /a", "1:span s1", "2:GET /b", "3:span null", "3:E: boom", "1:span s2");
    assertThat(w.services()).extracting(Waterfall.Service::name).containsExactly("front", "back");
    assertThat(w.rows().get(2).colour()).isEqualTo(1);
    assertThat(w.rows().get(1).leftPct()).isEqualTo(10);
  }

  @Test
  void partsWhoseParentIsMissingStartAtTheTop() {
    Waterfall w =
        Waterfall.of(
            trace(
                List.of(txn("b", "gone", BACK, 5, 10)),
                List.of(span("s", "also-gone", "b", BACK, 6)),
                List.of()));
    // The span's parent is missing, but its transaction is here: it stays under it.
    assertThat(layout(w)).containsExactly("0:GET /b", "1:span s");
  }

  @Test
  void drawsIdsInACycleOnceAndSurvivesDeepNesting() {
    Waterfall cycle =
        Waterfall.of(
            trace(
                List.of(txn("x", "y", FRONT, 0, 1), txn("y", "x", FRONT, 1, 1)),
                List.of(),
                List.of()));
    assertThat(cycle.rows()).hasSize(2);
    assertThat(layout(cycle)).containsExactly("0:GET /x", "1:GET /y");

    List<Span> chain = new ArrayList<>();
    String parent = "root";
    for (int i = 0; i < 5_000; i++) {
      chain.add(span("s" + i, parent, "root", FRONT, i * 0.01));
      parent = "s" + i;
    }
    Waterfall deep =
        Waterfall.of(trace(List.of(txn("root", null, FRONT, 0, 100)), chain, List.of()));
    assertThat(deep.rows()).hasSize(5_001);
    assertThat(deep.rows().getLast().depth()).isEqualTo(5_000);
    assertThat(deep.rows().getLast().indentEm()).isEqualTo(Waterfall.MAX_INDENT);
  }

  @Test
  void aSpanSentTwiceIsDrawnTwice() {
    Span s = span("s", "a", "a", FRONT, 1);
    Waterfall w =
        Waterfall.of(trace(List.of(txn("a", null, FRONT, 0, 10)), List.of(s, s), List.of()));
    assertThat(w.rows()).hasSize(3);
  }
}
