package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.StorableText;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

class StorableEscapesTest {
  private static final JsonFactory JSON = new JsonFactory();
  private static final String BS = "\\";

  private static String rewrite(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    new StorableEscapes().rewrite(b, 0, b.length, true);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Through the stream, with the source handing out at most {@code chunk} bytes a read. */
  private static byte[] stream(byte[] bytes, int chunk) throws IOException {
    InputStream source =
        new ByteArrayInputStream(bytes) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, chunk));
          }
        };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = new StorableEscapes.Stream(source)) {
      in.transferTo(out);
    }
    return out.toByteArray();
  }

  @Test
  void replacesNulAndUnpairedSurrogateEscapesOnly() {
    assertThat(rewrite("[\"a" + BS + "u0000b\"]")).isEqualTo("[\"a" + BS + "uFFFDb\"]");
    assertThat(rewrite("{\"" + BS + "ud800x\":\"" + BS + "uDC00\"}"))
        .isEqualTo("{\"" + BS + "uFFFDx\":\"" + BS + "uFFFD\"}");
    assertThat(rewrite("[\"" + BS + "ud800" + BS + "ud800" + BS + "udc00\"]"))
        .isEqualTo("[\"" + BS + "uFFFD" + BS + "ud800" + BS + "udc00\"]");
    String kept =
        "[\"" + BS + "uD834" + BS + "uDD1E " + BS + BS + "u0000 " + BS + "n " + BS + "u00e9\"]";
    assertThat(rewrite(kept)).isEqualTo(kept);
    assertThat(rewrite("[\"" + BS + "ud800")).isEqualTo("[\"" + BS + "uFFFD");
  }

  @Property(tries = 300)
  void theStreamRewritesAsTheWholeArrayDoesHoweverTheBytesArrive(
      @ForAll String s, @ForAll @IntRange(min = 1, max = 13) int chunk) throws IOException {
    byte[] json = generated(s);
    byte[] whole = json.clone();
    new StorableEscapes().rewrite(whole, 0, whole.length, true);

    assertThat(stream(json, chunk)).isEqualTo(whole);
  }

  @Property(tries = 300)
  void jacksonsByteParserThenReadsStorableNamesAndValues(@ForAll String s) {
    byte[] json = generated(s);
    new StorableEscapes().rewrite(json, 0, json.length, true);

    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json)) {
      p.nextToken();
      p.nextToken();
      assertThat(p.currentName()).isEqualTo(StorableText.storable(s));
      p.nextToken();
      assertThat(p.getString()).isEqualTo(StorableText.storable(s));
    }
  }

  @Test
  void aHundredKilobytesOfEscapesTakesLinearTime() {
    byte[] json = ("[\"" + (BS + "ud800").repeat(20_000) + "\"]").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 5; i++) {
      byte[] b = json.clone();
      long start = System.nanoTime();
      StorableEscapes e = new StorableEscapes();
      e.rewrite(b, 0, b.length, true);
      if (i == 4) {
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(50);
        assertThat(e.replaced()).isEqualTo(20_000);
      }
    }
  }

  /** {"s": "s"} as Jackson writes it, unstorable characters as escapes. */
  private static byte[] generated(String s) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), w)) {
      g.writeStartObject();
      g.writeStringProperty(s, s);
      g.writeEndObject();
    }
    String json = w.toString();
    // A raw lone surrogate cannot be encoded: write it as its escape, as a client would.
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
                  && i + 1 < json.length()
                  && Character.isLowSurrogate(json.charAt(i + 1))
              || Character.isLowSurrogate(c)
                  && i > 0
                  && Character.isHighSurrogate(json.charAt(i - 1));
      if (Character.isSurrogate(c) && !paired) {
        out.append(BS).append(String.format("u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
