package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.events.StorableText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class Utf8CheckingInputStreamTest {
  /** Reads everything in reads of at most {@code chunk} bytes. */
  private static byte[] readAll(byte[] bytes, int chunk) throws IOException {
    InputStream in = new Utf8CheckingInputStream(new ByteArrayInputStream(bytes));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[chunk];
    while (true) {
      int r = in.read(buffer, 0, chunk);
      if (r < 0) {
        return out.toByteArray();
      }
      out.write(buffer, 0, r);
    }
  }

  @Test
  void passesWellFormedTextSplitAnywhere() throws IOException {
    byte[] text = "a é € 𝄞 \u202E\u0000 z".getBytes(StandardCharsets.UTF_8);
    for (int chunk = 1; chunk <= text.length; chunk++) {
      assertThat(readAll(text, chunk)).isEqualTo(text);
    }
  }

  @Test
  void refusesOverlongSurrogateTruncatedAndInvalidBytesAtTheirOffset() {
    byte[][] bad = {
      {'a', (byte) 0xC0, (byte) 0xAF}, // overlong '/'
      {'a', (byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // overlong, 3 bytes
      {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate U+D800
      {'a', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
      {'a', (byte) 0xE2, (byte) 0x82}, // truncated at the end
      {'a', (byte) 0xE2, (byte) 0x82, 'b'}, // truncated inside
      {'a', (byte) 0xFF}, // never valid
      {'a', (byte) 0x80}, // a lone continuation byte
    };
    for (byte[] b : bad) {
      for (int chunk = 1; chunk <= b.length; chunk++) {
        int c = chunk;
        assertThatThrownBy(() -> readAll(b, c))
            .isInstanceOf(MalformedTextException.class)
            .satisfies(e -> assertThat(((MalformedTextException) e).offset()).isEqualTo(1));
      }
    }
  }

  @Property(tries = 1000)
  void agreesWithTheWholeArrayCheckHoweverTheBytesArrive(
      @ForAll("utf8ish") byte[] bytes, @ForAll @IntRange(min = 1, max = 9) int chunk) {
    int bad = StorableText.firstMalformedByte(bytes, 0, bytes.length);
    try {
      readAll(bytes, chunk);
      assertThat(bad).isEqualTo(-1);
    } catch (MalformedTextException e) {
      assertThat(e.offset()).isEqualTo(bad);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Provide
  Arbitrary<byte[]> utf8ish() {
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0x20, 0x7E)),
            net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0x80, 0xBF)),
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0xC0, 0xFF)))
        .map(Integer::byteValue)
        .array(byte[].class)
        .ofMaxSize(24);
  }
}
