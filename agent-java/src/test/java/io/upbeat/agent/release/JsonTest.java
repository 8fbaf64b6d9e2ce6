package io.upbeat.agent.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void quotesEveryCharacterJsonRequiresAndKeepsTheRest() {
    assertThat(Json.quote("a\"b\\c\nd\re\tf\bg\fh\u0001i\u007f"))
        .isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u007f\"");
    assertThat(Json.quote("é 日本 😀 </script>")).isEqualTo("\"é 日本 😀 </script>\"");
    // A lone surrogate cannot be encoded as UTF-8: escaped instead of turning into '?'.
    assertThat(Json.quote("x\ud800y")).isEqualTo("\"x\\ud800y\"");
  }

  @Test
  void readsWhatItWritesAndTheApisBodies() {
    String tricky = "a\"b\\c\nd\u0001é😀";
    assertThat(Json.parse(Json.quote(tricky))).isEqualTo(tricky);
    Object body =
        Json.parse(
            " {\"version\": \"v1\", \"head_sha\": null, \"commit_count\": 3, \"ok\": true,"
                + " \"details\": [{\"field\": \"x\"}], \"esc\": \"\\u00e9\\/\"} ");
    assertThat(Json.string(body, "version")).isEqualTo("v1");
    assertThat(Json.string(body, "head_sha")).isNull();
    assertThat(Json.number(body, "commit_count")).isEqualTo(3.0);
    assertThat(Json.string(body, "esc")).isEqualTo("é/");
    assertThat(((Map<?, ?>) body).get("details")).isEqualTo(List.of(Map.of("field", "x")));
  }

  @Test
  void refusesMalformedJson() {
    for (String bad : List.of("", "{", "{\"a\" 1}", "[1,]x", "\"open", "{\"a\":1} 2", "tru")) {
      assertThatThrownBy(() -> Json.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
