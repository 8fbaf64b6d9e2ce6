package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class StorableTextTest {

  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  private static int malformed(byte[] b) {
    return StorableText.firstMalformedByte(b, 0, b.length);
  }

  @Test
  void refusesOverlongSurrogateAndOutOfRangeForms() {
    assertThat(malformed(bytes(0x61, 0xC0, 0xAF))).isEqualTo(1); // overlong '/'
    assertThat(malformed(bytes(0xC1, 0xBF))).isZero();
    assertThat(malformed(bytes(0xE0, 0x80, 0xAF))).isZero(); // overlong 3-byte
    assertThat(malformed(bytes(0xF0, 0x80, 0x80, 0xAF))).isZero(); // overlong 4-byte
    assertThat(malformed(bytes(0xED, 0xA0, 0x80))).isZero(); // U+D800 encoded
    assertThat(malformed(bytes(0xED, 0xBF, 0xBF))).isZero(); // U+DFFF encoded
    assertThat(malformed(bytes(0xF4, 0x90, 0x80, 0x80))).isZero(); // above U+10FFFF
    assertThat(malformed(bytes(0xF5, 0x80, 0x80, 0x80))).isZero();
    assertThat(malformed(bytes(0x80))).isZero(); // lone continuation
    assertThat(malformed(bytes(0x61, 0x62, 0xE2, 0x82))).isEqualTo(2); // truncated
    assertThat(malformed(bytes(0xE2, 0x28, 0xA1))).isZero(); // bad continuation
  }

  @Test
  void acceptsEveryWellFormedClass() {
    String all =
        "plain ASCII that is longer than eight bytes é € 𝄞 \u202Eright-to-left \uFFFD\u0000";
    assertThat(malformed(all.getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    assertThat(malformed(bytes(0xED, 0x9F, 0xBF))).isEqualTo(-1); // U+D7FF
    assertThat(malformed(bytes(0xF4, 0x8F, 0xBF, 0xBF))).isEqualTo(-1); // U+10FFFF
    assertThat(malformed(new byte[0])).isEqualTo(-1);
  }

  @Test
  void checksOnlyTheGivenRange() {
    byte[] b = bytes(0xFF, 0x61, 0x62, 0xFF);
    assertThat(StorableText.firstMalformedByte(b, 1, 3)).isEqualTo(-1);
    assertThat(StorableText.firstMalformedByte(b, 1, 4)).isEqualTo(3);
  }

  @Property(tries = 2000)
  void agreesWithTheJdksStrictDecoder(@ForAll("utf8ish") byte[] b) {
    boolean jdk;
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      jdk = true;
    } catch (CharacterCodingException e) {
      jdk = false;
    }
    assertThat(StorableText.isWellFormed(b, 0, b.length)).isEqualTo(jdk);
  }

  @Provide
  Arbitrary<byte[]> utf8ish() {
    // Mostly bytes that matter to UTF-8 (ASCII, continuations, every lead byte), so that
    // near-valid sequences are common.
    Arbitrary<Byte> interesting =
        Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0x00, 0x7F)),
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0x80, 0xBF)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0xC0, 0xFF)))
            .map(Integer::byteValue);
    return interesting.array(byte[].class).ofMaxSize(24);
  }

  @Test
  void replacesNulAndUnpairedSurrogatesOnly() {
    assertThat(StorableText.storable("a\u0000b")).isEqualTo("a\uFFFDb");
    assertThat(StorableText.storable("x\uD800")).isEqualTo("x\uFFFD");
    assertThat(StorableText.storable("\uDC00y")).isEqualTo("\uFFFDy");
    assertThat(StorableText.storable("\uDC00\uD800")).isEqualTo("\uFFFD\uFFFD");
    assertThat(StorableText.storable("𝄞\u0000𝄞")).isEqualTo("𝄞\uFFFD𝄞");
    assertThat(StorableText.storable(null)).isNull();
    String clean = "clean é 𝄞 \u202E\u0001";
    assertThat(StorableText.storable(clean)).isSameAs(clean);
  }

  @Property(tries = 500)
  void storableTextAlwaysEncodesAndDecodesToItself(@ForAll String s) {
    String stored = StorableText.storable(s);
    assertThat(stored).doesNotContain("\u0000");
    assertThat(new String(stored.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .isEqualTo(stored);
    assertThat(stored.length()).isEqualTo(s.length());
  }

  @Test
  void storableJsonReplacesNulAndUnpairedSurrogateEscapes() {
    String bs = "\\";
    assertThat(StorableText.storableJson("{\"a" + bs + "u0000\":\"x" + bs + "u0000y\"}"))
        .isEqualTo("{\"a" + bs + "uFFFD\":\"x" + bs + "uFFFDy\"}");
    assertThat(
            StorableText.storableJson("[\"" + bs + "uD800\",\"" + bs + "udc00" + bs + "ud800\"]"))
        .isEqualTo("[\"" + bs + "uFFFD\",\"" + bs + "uFFFD" + bs + "uFFFD\"]");
    String pair = "[\"" + bs + "uD834" + bs + "uDD1E\"," + "\"" + bs + bs + "u0000\"]";
    assertThat(StorableText.storableJson(pair)).isSameAs(pair);
    assertThat(StorableText.storableJson("[\"a\u0000\uD800\"]")).isEqualTo("[\"a\uFFFD\uFFFD\"]");
    assertThat(StorableText.storableJson("[\"" + bs + "u00")).isEqualTo("[\"" + bs + "u00");
    assertThat(StorableText.storableJson(null)).isNull();
  }

  @Property(tries = 500)
  void storableJsonOfGeneratedJsonParsesToStorableStrings(@ForAll String s) {
    tools.jackson.core.json.JsonFactory f = new tools.jackson.core.json.JsonFactory();
    java.io.StringWriter w = new java.io.StringWriter();
    try (tools.jackson.core.JsonGenerator g =
        f.createGenerator(tools.jackson.core.ObjectWriteContext.empty(), w)) {
      g.writeStartObject();
      g.writeStringProperty(s, s);
      g.writeEndObject();
    }
    String json = w.toString();
    String stored = StorableText.storableJson(json);
    assertThat(stored.length()).isEqualTo(json.length());
    try (tools.jackson.core.JsonParser p =
        f.createParser(tools.jackson.core.ObjectReadContext.empty(), stored)) {
      p.nextToken();
      p.nextToken();
      assertThat(p.currentName()).isEqualTo(StorableText.storable(s));
      p.nextToken();
      assertThat(p.getString()).isEqualTo(StorableText.storable(s));
    }
  }
}
