package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AppScrubbingCodecTest {
  private static final UUID APP = UUID.fromString("229b7b64-77fd-4b47-beb9-ca35d8a9d311");

  @Test
  void roundTripsKeysUnderAKeyNoTokenDigestCanBe() {
    byte[] value = AppScrubbingCodec.encode(APP, List.of("iban", "\"quoted\"", "пароль"));
    assertThat(AppScrubbingCodec.decode(value)).containsExactly("iban", "\"quoted\"", "пароль");
    String key = AppScrubbingCodec.key(APP);
    assertThat(AppScrubbingCodec.isKey(key)).isTrue();
    assertThat(AppScrubbingCodec.app(key)).isEqualTo(APP);
    assertThat(AppScrubbingCodec.isKey(TokenDigest.sha256Hex("ub_app_x"))).isFalse();
    assertThat(AppScrubbingCodec.isKey(null)).isFalse();
  }

  @Test
  void unknownFieldsAreIgnoredAndBadRecordsRefused() {
    assertThat(decode("{\"v\":1,\"app_id\":\"x\",\"keys\":[\"a\"],\"later\":{\"x\":[1]}}"))
        .containsExactly("a");
    for (String bad :
        List.of(
            "[]",
            "{\"v\":2,\"keys\":[]}",
            "{\"keys\":[]}",
            "{\"v\":1}",
            "{\"v\":1,\"keys\":\"a\"}",
            "{\"v\":1,\"keys\":[1]}",
            "{\"v\":1,\"keys\":[")) {
      assertThatThrownBy(() -> decode(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> AppScrubbingCodec.app("scrubbing:not-a-uuid"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AppScrubbingCodec.app("abc"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<String> decode(String json) {
    return AppScrubbingCodec.decode(json.getBytes(StandardCharsets.UTF_8));
  }
}
