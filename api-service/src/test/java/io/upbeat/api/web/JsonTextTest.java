package io.upbeat.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class JsonTextTest {
  private static String rewrite(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    JsonText.replaceUnstorableEscapes(b, b.length);
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void unstorableEscapesBecomeReplacementCharacters() {
    assertThat(rewrite("{\"a\": \"x\\u0000y\"}")).isEqualTo("{\"a\": \"x\\uFFFDy\"}");
    assertThat(rewrite("{\"\\u0000\": 1}")).isEqualTo("{\"\\uFFFD\": 1}");
    assertThat(rewrite("[\"\\uD800\"]")).isEqualTo("[\"\\uFFFD\"]");
    assertThat(rewrite("[\"\\udc00x\"]")).isEqualTo("[\"\\uFFFDx\"]");
    assertThat(rewrite("[\"\\uD800\\u0041\"]")).isEqualTo("[\"\\uFFFD\\u0041\"]");
    assertThat(rewrite("[\"\\uD800\\uD800\\uDC00\"]")).isEqualTo("[\"\\uFFFD\\uD800\\uDC00\"]");
    assertThat(rewrite("[\"\\uD800")).isEqualTo("[\"\\uFFFD");
  }

  @Test
  void storableTextIsLeftAlone() {
    for (String json :
        new String[] {
          "{\"a\": \"\\\\u0000\"}", // an escaped backslash, then the text u0000
          "[\"\\uD83D\\uDE00\", \"\\u00e9\", \"\\n\\\"\", \"\\u00\"]",
          "[\"\\\\\\\\u0000\"]",
          "",
          "\\",
          "\\u"
        }) {
      byte[] b = json.getBytes(StandardCharsets.UTF_8);
      assertThat(JsonText.replaceUnstorableEscapes(b, b.length)).as(json).isZero();
      assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo(json);
    }
  }

  @Test
  void theRewrittenBodyParsesToStorableText() {
    String json = "{\"k\\u0000\": [\"a\\u0000\", \"\\uDBFF\", \"\\uD83D\\uDE00\"]}";
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    assertThat(JsonText.replaceUnstorableEscapes(b, b.length)).isEqualTo(3);
    assertThat(JsonMapper.shared().readTree(b).toString())
        .isEqualTo("{\"k\uFFFD\":[\"a\uFFFD\",\"\uFFFD\",\"\uD83D\uDE00\"]}");
  }

  private static String fieldOfBadByte(String before, String after) {
    byte[] head = before.getBytes(StandardCharsets.UTF_8);
    byte[] tail = after.getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[head.length + 2 + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    body[head.length] = (byte) 0xC0;
    body[head.length + 1] = (byte) 0xAF;
    System.arraycopy(tail, 0, body, head.length + 2, tail.length);
    return JsonText.fieldAt(body, head.length);
  }

  @Test
  void theFieldOfABadByteIsItsJsonPath() {
    assertThat(
            fieldOfBadByte(
                "{\"version\": \"1\", \"commits\": [{\"sha\": \"abc\", \"message\": \"x", "\"}]}"))
        .isEqualTo("commits[0].message");
    assertThat(fieldOfBadByte("{\"a\": [\"x\", \"y\", \"", "\"]}")).isEqualTo("a[2]");
    assertThat(fieldOfBadByte("{\"a\": \"ok\", \"b", "\": 1}")).isEqualTo("$");
    assertThat(fieldOfBadByte("{\"a\": {\"ok\": 1, \"b", "\": 1}}")).isEqualTo("a");
    assertThat(fieldOfBadByte("\"", "\"")).isEqualTo("$");
    assertThat(fieldOfBadByte("", "")).isEqualTo("$");
  }
}
