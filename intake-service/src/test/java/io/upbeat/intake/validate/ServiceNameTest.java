package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ServiceNameTest {
  private static final java.util.regex.Pattern OLD =
      java.util.regex.Pattern.compile("[A-Za-z0-9 _.-]{1,100}");

  @Property(tries = 2000)
  void agreesWithTheContractsExpression(@ForAll String name) {
    assertThat(ServiceName.isValid(name)).isEqualTo(OLD.matcher(name).matches());
    assertThat(ServiceName.replaceRefused(name))
        .isEqualTo(name.replaceAll("[^A-Za-z0-9 _.-]", "_"));
  }

  @Test
  void acceptsTheContractsCharactersOnly() {
    assertThat(ServiceName.isValid("shop-web 1_2.3")).isTrue();
    assertThat(ServiceName.isValid("")).isFalse();
    assertThat(ServiceName.isValid("a".repeat(101))).isFalse();
    assertThat(ServiceName.isValid("sh\u0000op")).isFalse();
    assertThat(ServiceName.isValid("shop\u202E")).isFalse();
    assertThat(ServiceName.replaceRefused("unknown_service:java"))
        .isEqualTo("unknown_service_java");
    String clean = "clean";
    assertThat(ServiceName.replaceRefused(clean)).isSameAs(clean);
  }

  @Test
  void aHundredKilobytesTakesNoTime() {
    String big = "a".repeat(100_000) + "!";
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      ServiceName.isValid(big);
      ServiceName.replaceRefused(big);
      if (i == 4) {
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(50);
      }
    }
  }
}
