package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AppTokenCodecTest {
  private final AppTokenRecord token =
      new AppTokenRecord(
          UUID.fromString("6f1c1a8e-2b4d-4a7e-9c1f-0d2e3f4a5b6c"),
          "secret",
          Instant.parse("2026-11-26T10:15:30.123Z"));

  @Test
  void roundTrips() {
    assertThat(AppTokenCodec.decode(AppTokenCodec.encode(token))).isEqualTo(token);
  }

  @Test
  void writesAVersionedSnakeCaseObject() {
    assertThat(new String(AppTokenCodec.encode(token), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"v\":1,\"app_id\":\"6f1c1a8e-2b4d-4a7e-9c1f-0d2e3f4a5b6c\","
                + "\"kind\":\"secret\",\"created_at\":\"2026-11-26T10:15:30.123Z\"}");
  }

  @Test
  void ignoresFieldsItDoesNotKnow() {
    String json =
        "{\"v\":1,\"future\":{\"x\":[1,2]},\"app_id\":\"6f1c1a8e-2b4d-4a7e-9c1f-0d2e3f4a5b6c\","
            + "\"kind\":\"secret\",\"created_at\":\"2026-11-26T10:15:30.123Z\"}";
    assertThat(AppTokenCodec.decode(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(token);
  }

  @Test
  void refusesOtherVersionsAndBrokenRecords() {
    for (String bad :
        new String[] {
          "{\"v\":2,\"app_id\":\"6f1c1a8e-2b4d-4a7e-9c1f-0d2e3f4a5b6c\",\"kind\":\"secret\","
              + "\"created_at\":\"2026-11-26T10:15:30Z\"}",
          "{\"v\":1,\"kind\":\"secret\",\"created_at\":\"2026-11-26T10:15:30Z\"}",
          "{\"v\":1,\"app_id\":\"nope\",\"kind\":\"secret\",\"created_at\":\"2026-11-26T10:15:30Z\"}",
          "{\"v\":1,\"app_id\":\"6f1c1a8e-2b4d-4a7e-9c1f-0d2e3f4a5b6c\",\"kind\":\"other\","
              + "\"created_at\":\"2026-11-26T10:15:30Z\"}",
          "[1]",
          "{\"v\":1,",
        }) {
      assertThatThrownBy(() -> AppTokenCodec.decode(bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void digestIsSha256Hex() {
    // SHA-256("abc") from FIPS 180-2.
    assertThat(TokenDigest.sha256Hex("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(TokenDigest.sha256("abc")).hasSize(32);
  }
}
