package io.upbeat.intake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.events.EventBatchCodec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * {@code upbeat.intake.publish.compression} takes Kafka's codecs and refuses anything else; {@code
 * upbeat.intake.publish.value-format} is Smile unless set to JSON.
 */
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

  @Test
  void valuesAreSmileUnlessSetToJson() {
    assertThat(bind(Map.of()).valueFormat()).isEqualTo(EventBatchCodec.Format.SMILE);
    assertThat(bind(Map.of()).compression()).isEqualTo("lz4");
    assertThat(bind(Map.of("upbeat.intake.publish.value-format", "json")).valueFormat())
        .isEqualTo(EventBatchCodec.Format.JSON);
    assertThatThrownBy(() -> bind(Map.of("upbeat.intake.publish.value-format", "xml")))
        .isInstanceOf(BindException.class);
  }

  private static IntakeProperties.Publish bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("upbeat.intake.publish", IntakeProperties.Publish.class);
  }

  private static IntakeProperties.Publish publish(String compression) {
    return new IntakeProperties.Publish(
        Duration.ofSeconds(2),
        2,
        Duration.ofMillis(2),
        256,
        4096,
        compression,
        EventBatchCodec.Format.SMILE);
  }
}
