package io.upbeat.api.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.errors.StackTraces.Frame;
import io.upbeat.api.errors.StackTraces.Thrown;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackTracesTest {
  @Test
  void readsTheExceptionAndEachCauseWithTheirFramesInOrder() {
    List<Thrown> chain =
        StackTraces.chain(
            """
            {"type": "a.A", "message": "outer", "stacktrace": [
               {"module": "com.shop.UserService", "function": "find", "filename": "UserService.java",
                "lineno": 42, "in_app": true},
               {"module": "java.lang.Thread", "function": "run", "lineno": 9, "in_app": false}],
             "cause": {"type": "b.B", "stacktrace": [], "cause": {"type": "c.C", "message": "inner"}}}
            """);
    assertThat(chain).extracting(Thrown::type).containsExactly("a.A", "b.B", "c.C");
    assertThat(chain).extracting(Thrown::message).containsExactly("outer", null, "inner");
    assertThat(chain.getFirst().frames())
        .extracting(Frame::text)
        .containsExactly(
            "com.shop.UserService.find(UserService.java:42)",
            "java.lang.Thread.run(Unknown Source:9)");
    assertThat(chain.getFirst().frames()).extracting(Frame::inApp).containsExactly(true, false);
    assertThat(chain.getFirst().inAppCount()).isEqualTo(1);
  }

  @Test
  void toleratesOddPayloads() {
    assertThat(StackTraces.chain(null)).isEmpty();
    assertThat(StackTraces.chain("not json")).isEmpty();
    assertThat(StackTraces.chain("[1, 2]")).isEmpty();
    List<Thrown> odd =
        StackTraces.chain(
            """
            {"type": 5, "stacktrace": [7, {"function": "lambda$0", "lineno": "12", "in_app": "yes"},
              {}], "cause": "nope"}
            """);
    assertThat(odd).hasSize(1);
    assertThat(odd.getFirst().type()).isNull();
    assertThat(odd.getFirst().frames()).extracting(Frame::text).containsExactly("lambda$0", "?");
    assertThat(odd.getFirst().frames().getFirst().inApp()).isFalse();
  }

  @Test
  void stopsAtTheDepthLimit() {
    String json = "{\"type\": \"x\"}";
    for (int i = 0; i < 30; i++) {
      json = "{\"type\": \"t" + i + "\", \"cause\": " + json + "}";
    }
    assertThat(StackTraces.chain(json)).hasSize(StackTraces.MAX_DEPTH);
  }
}
