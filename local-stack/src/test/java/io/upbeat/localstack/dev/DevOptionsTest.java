package io.upbeat.localstack.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DevOptionsTest {
  private static final Path HOME = Path.of("/repo");

  @Test
  void managementPortsDefaultTo9080And9280() {
    DevOptions options = DevOptions.parse(HOME, List.of());
    assertThat(options.ports())
        .containsExactly(
            entry("api", 8080),
            entry("intake", 8200),
            entry("processor", 8081),
            entry("api-management", 9080),
            entry("intake-management", 9280));
  }

  @Test
  void managementPortsAreOptions() {
    DevOptions options =
        DevOptions.parse(
            HOME, List.of("--api-management-port", "19080", "--intake-management-port", "19280"));
    assertThat(options.apiManagementPort()).isEqualTo(19080);
    assertThat(options.intakeManagementPort()).isEqualTo(19280);
  }

  @Test
  void everyPortMustDiffer() {
    assertThatThrownBy(() -> DevOptions.parse(HOME, List.of("--api-management-port", "8200")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ports must differ");
    assertThatThrownBy(() -> DevOptions.parse(HOME, List.of("--intake-management-port", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--intake-management-port");
    assertThatThrownBy(() -> DevOptions.parse(HOME, List.of("--api-management-port")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a value");
  }
}
