package io.upbeat.intake.elastic;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The {@code Content-Encoding}s Elastic agents use: none, {@code gzip}, and {@code deflate}. HTTP's
 * {@code deflate} means zlib-wrapped (what the Java agent's {@code DeflaterOutputStream} writes);
 * some clients send raw deflate under that name, so the zlib header is sniffed.
 */
enum ContentEncoding {
  IDENTITY,
  GZIP,
  DEFLATE;

  /** The encoding named by the header, or null if it is not one of these. */
  static ContentEncoding of(String header) {
    if (header == null || header.isBlank()) {
      return IDENTITY;
    }
    return switch (header.trim().toLowerCase(Locale.ROOT)) {
      case "identity" -> IDENTITY;
      case "gzip", "x-gzip" -> GZIP;
      case "deflate" -> DEFLATE;
      default -> null;
    };
  }

  /** Decodes {@code in} lazily; a corrupt stream fails its reads with a {@code ZipException}. */
  InputStream decode(InputStream in) throws IOException {
    return switch (this) {
      case IDENTITY -> in;
      case GZIP -> new GZIPInputStream(in, 8192);
      case DEFLATE -> {
        PushbackInputStream peek = new PushbackInputStream(in, 2);
        byte[] head = peek.readNBytes(2);
        peek.unread(head);
        yield new InflaterInputStream(peek, new Inflater(!zlibHeader(head)), 8192);
      }
    };
  }

  /** RFC 1950: compression method 8 and a header checksum divisible by 31. */
  private static boolean zlibHeader(byte[] head) {
    if (head.length < 2) {
      return true;
    }
    int cmf = head[0] & 0xFF;
    int flg = head[1] & 0xFF;
    return (cmf & 0x0F) == 8 && ((cmf << 8) | flg) % 31 == 0;
  }
}
