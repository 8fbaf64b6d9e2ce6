package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.assertj.core.api.Assertions;

class UpbeatConfigTest {
  /** The pattern the check replaced, as the oracle. */
  private static final Pattern OLD = Pattern.compile("[A-Za-z0-9 _.\\-]{1,100}");

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings()
        .withChars('a', 'Z', '0', ' ', '_', '.', '-', '/', 'é', '\n', '١')
        .ofMaxLength(102);
  }

  @Property(tries = 5_000)
  void serviceNamesAsThePatternReadThem(@ForAll("names") String name) {
    if (OLD.matcher(name).matches()) {
      assertThatCode(() -> UpbeatConfig.builder().serviceName(name)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> UpbeatConfig.builder().serviceName(name))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Example
  void traceSamplingIsReadFromTheEnvironmentAndChecked() {
    java.util.Map<String, String> env =
        new java.util.HashMap<>(
            java.util.Map.of(
                "UPBEAT_SERVER_URL", "http://intake:8200",
                "UPBEAT_SECRET_TOKEN", "ub_app_x",
                "UPBEAT_SERVICE_NAME", "shop"));
    UpbeatConfig defaults = UpbeatConfig.fromEnvironment(env);
    Assertions.assertThat(defaults.tracesPerSecond).isEqualTo(10.0);
    Assertions.assertThat(defaults.traceSampleRate).isEqualTo(0.0);
    env.put("UPBEAT_TRACES_PER_SECOND", "2.5");
    env.put("UPBEAT_TRACE_SAMPLE_RATE", " 0.25 ");
    UpbeatConfig c = UpbeatConfig.fromEnvironment(env);
    Assertions.assertThat(c.tracesPerSecond).isEqualTo(2.5);
    Assertions.assertThat(c.traceSampleRate).isEqualTo(0.25);
    for (String bad : new String[] {"-1", "NaN", "Infinity", "ten"}) {
      env.put("UPBEAT_TRACES_PER_SECOND", bad);
      assertThatThrownBy(() -> UpbeatConfig.fromEnvironment(env))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("UPBEAT_TRACES_PER_SECOND");
    }
    env.put("UPBEAT_TRACES_PER_SECOND", "1");
    for (String bad : new String[] {"-0.1", "1.5", "NaN", "x"}) {
      env.put("UPBEAT_TRACE_SAMPLE_RATE", bad);
      assertThatThrownBy(() -> UpbeatConfig.fromEnvironment(env))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("UPBEAT_TRACE_SAMPLE_RATE");
    }
  }

  @Example
  void aHugeNameIsRefusedAtOnce() {
    String huge = "a".repeat(1_000_000);
    long start = System.nanoTime();
    assertThatThrownBy(() -> UpbeatConfig.builder().serviceName(huge))
        .isInstanceOf(IllegalArgumentException.class);
    Assertions.assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
  }
}
