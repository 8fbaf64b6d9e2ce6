package io.upbeat.intake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InstanceIdTest {
  @Test
  void aConfiguredIdIsTakenAsItIs() {
    assertThat(InstanceId.resolve("intake-2", "host", 8200)).isEqualTo("intake-2");
  }

  @Test
  void byDefaultHostAndPortSoTwoInstancesOnOneHostDiffer() {
    assertThat(InstanceId.resolve(null, "intake-7c9f-abcde", 8200))
        .isEqualTo("intake-7c9f-abcde-8200");
    assertThat(InstanceId.resolve(" ", "h", 8200)).isNotEqualTo(InstanceId.resolve("", "h", 8201));
    assertThat(InstanceId.resolve(null, "h", 8200)).isEqualTo(InstanceId.resolve(null, "h", 8200));
  }

  @Test
  void aRandomPortGivesARandomIdNeverShared() {
    assertThat(InstanceId.resolve(null, "h", 0))
        .startsWith("h-")
        .isNotEqualTo(InstanceId.resolve(null, "h", 0));
  }

  @Test
  void unsafeHostCharactersAreReplacedAndBadConfiguredIdsRefused() {
    assertThat(InstanceId.resolve(null, "a b/c", 1)).isEqualTo("a_b_c-1");
    assertThat(InstanceId.resolve(null, null, 1)).isEqualTo("intake-1");
    assertThatThrownBy(() -> InstanceId.resolve("a b", "h", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a b");
    assertThatThrownBy(() -> InstanceId.resolve("x".repeat(201), "h", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
