package io.upbeat.systemtests.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BrowserExtensionTest {
  @Test
  void runsWhereChromiumIsInstalled() {
    assertThat(BrowserExtension.decide(true, false).isDisabled()).isFalse();
    assertThat(BrowserExtension.decide(true, true).isDisabled()).isFalse();
  }

  @Test
  void skipsWithoutChromiumSayingHowToInstallIt() {
    var result = BrowserExtension.decide(false, false);
    assertThat(result.isDisabled()).isTrue();
    assertThat(result.getReason())
        .contains(
            "Chromium not found: install Debian packages chromium and chromium-driver"
                + " (apt-get install chromium chromium-driver) to run the browser tests");
  }

  @Test
  void inCiItRunsWithoutChromiumSoThatTheTestFailsInsteadOfSkipping() {
    assertThat(BrowserExtension.decide(false, true).isDisabled()).isFalse();
  }

  @Test
  void ciIsSetByAnyValueButFalseOrZero() {
    assertThat(Chromium.inCi(Map.of("CI", "true"))).isTrue();
    assertThat(Chromium.inCi(Map.of("CI", "1"))).isTrue();
    assertThat(Chromium.inCi(Map.of("CI", "yes"))).isTrue();
    assertThat(Chromium.inCi(Map.of())).isFalse();
    assertThat(Chromium.inCi(Map.of("CI", ""))).isFalse();
    assertThat(Chromium.inCi(Map.of("CI", "false"))).isFalse();
    assertThat(Chromium.inCi(Map.of("CI", "0"))).isFalse();
  }
}
