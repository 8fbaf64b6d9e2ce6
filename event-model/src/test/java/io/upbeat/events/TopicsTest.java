package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicsTest {
  @Test
  void prefixesEveryName() {
    Topics topics = new Topics("t7.");

    assertThat(topics.events()).isEqualTo("t7.upbeat.events");
    assertThat(topics.appTokens()).isEqualTo("t7.upbeat.app-tokens");
    assertThat(topics.eventsDeadLetter()).isEqualTo("t7.upbeat.events.dlq");
  }

  @Test
  void noPrefixMeansTheBareNames() {
    assertThat(new Topics(null).events()).isEqualTo(Topics.EVENTS);
    assertThat(new Topics("").appTokens()).isEqualTo(Topics.APP_TOKENS);
  }

  @Test
  void refusesCharactersKafkaRefuses() {
    assertThatThrownBy(() -> new Topics("a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a/b");
  }
}
