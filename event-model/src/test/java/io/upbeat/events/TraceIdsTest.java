package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceIdsTest {
  @Test
  void w3cIdsAndOlderAgentsIdsAreValid() {
    for (String id :
        new String[] {
          "0af7651916cd43dd8448eb211c80319c",
          "b7ad6b7169203331",
          "a1b2c3",
          "e",
          "Span_1-A",
          "x".repeat(64)
        }) {
      assertThat(TraceIds.isValid(id)).as(id).isTrue();
      assertThat(TraceIds.orNull(id)).isSameAs(id);
    }
  }

  @Test
  void anythingElseIsRefused() {
    for (String id :
        new String[] {
          null,
          "",
          "x".repeat(65),
          "a b",
          "a/b",
          "a.b",
          "a\u0000",
          "\uFFFD",
          "\uD800",
          "é",
          "a\"b",
          "1'; DROP TABLE x; --"
        }) {
      assertThat(TraceIds.isValid(id)).as("%s", id).isFalse();
      assertThat(TraceIds.orNull(id)).isNull();
    }
  }
}
