package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class JsonAndFramesTest {
  @Test
  void writesStrictJsonAStrictParserReadsBack() {
    String nasty = "q\"b\\s/ \n\r\t \u0001 é 😀 lone\ud800 end";
    String json =
        new Json(64)
            .beginObject()
            .field("s", nasty)
            .field("absent", null)
            .name("n")
            .value(12.5)
            .name("i")
            .value(3.0)
            .name("nan")
            .value(Double.NaN)
            .name("a")
            .beginArray()
            .value(true)
            .value(7L)
            .endArray()
            .endObject()
            .toString();
    JsonNode node = JsonMapper.shared().readTree(json);
    assertThat(node.get("s").asString()).isEqualTo(nasty.replace('\ud800', '\ufffd'));
    assertThat(node.has("absent")).isFalse();
    assertThat(node.get("n").asDouble()).isEqualTo(12.5);
    assertThat(json).contains("\"i\":3,").contains("\"nan\":null");
    assertThat(node.get("a").size()).isEqualTo(2);
  }

  @Test
  void framesKnowTheirFileAndWhetherTheyAreTheApplications() {
    Frames frames = new Frames(List.of("com.shop."));
    Frames.Frame inner =
        frames.frame(
            new StackTraceElement("com.shop.UserService$1", "run", "UserService.java", 42));
    assertThat(inner.path()).isEqualTo("com/shop/UserService.java");
    assertThat(inner.inApp()).isTrue();
    Frames.Frame lib =
        frames.frame(new StackTraceElement("org.springframework.web.Servlet", "service", null, -1));
    assertThat(lib.path()).isNull();
    assertThat(lib.inApp()).isFalse();
    assertThat(frames.inApp("com.shopping.Other")).isFalse(); // a prefix of the name is not enough
    assertThat(Frames.path("Main", "Main.java")).isEqualTo("Main.java");
  }

  @Test
  void causeChainsAreBoundedAndCyclesCut() {
    Frames frames = new Frames(List.of());
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b); // a cycle
    Frames.ExceptionData data = frames.of(b);
    assertThat(data.cause().type()).isEqualTo(RuntimeException.class.getName());
    assertThat(data.cause().cause()).isNull();

    Throwable deep = new RuntimeException("0");
    for (int i = 1; i < 30; i++) {
      deep = new RuntimeException(String.valueOf(i), deep);
    }
    int depth = 0;
    for (Frames.ExceptionData d = frames.of(deep); d != null; d = d.cause()) {
      depth++;
    }
    assertThat(depth).isEqualTo(Frames.MAX_DEPTH);
  }
}
