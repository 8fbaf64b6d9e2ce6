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
  void aHugeNameIsRefusedAtOnce() {
    String huge = "a".repeat(1_000_000);
    long start = System.nanoTime();
    assertThatThrownBy(() -> UpbeatConfig.builder().serviceName(huge))
        .isInstanceOf(IllegalArgumentException.class);
    Assertions.assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
  }
}
