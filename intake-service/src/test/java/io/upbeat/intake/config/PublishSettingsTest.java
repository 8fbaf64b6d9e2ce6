package io.upbeat.intake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code upbeat.intake.publish.compression} takes Kafka's codecs and refuses anything else. */
class PublishSettingsTest {
  @Test
  void takesKafkasCodecsAndRefusesOthersAtStartUp() {
    for (String codec : new String[] {"lz4", "zstd", "gzip", "snappy", "none"}) {
      assertThat(publish(codec).compression()).isEqualTo(codec);
    }
    assertThatThrownBy(() -> publish("brotli"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("upbeat.intake.publish.compression");
    assertThatThrownBy(() -> publish("LZ4")).isInstanceOf(IllegalArgumentException.class);
  }

  private static IntakeProperties.Publish publish(String compression) {
    return new IntakeProperties.Publish(
        Duration.ofSeconds(2), 2, Duration.ofMillis(2), 256, 4096, compression);
  }
}
