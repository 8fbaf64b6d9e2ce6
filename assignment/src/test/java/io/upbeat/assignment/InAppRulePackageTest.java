package io.upbeat.assignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.Test;

class InAppRulePackageTest {
  /** The pattern the check replaced, as the oracle. */
  private static final Pattern OLD =
      Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings()
        .withChars('a', 'Z', '_', '$', '.', '1', '٣', 'Ⅻ', '²', 'é', '-', ' ', '\uD835', '\uDC00')
        .ofMaxLength(12);
  }

  @Property(tries = 20_000)
  void agreesWithThePatternItReplaced(@ForAll("names") String name) {
    assertThat(InAppRule.validPackage(name)).isEqualTo(OLD.matcher(name).matches());
  }

  @Test
  void limitsLengthAndCount() {
    assertThat(InAppRule.validPackage("a".repeat(InAppRule.MAX_PACKAGE_LENGTH))).isTrue();
    assertThat(InAppRule.validPackage("a".repeat(InAppRule.MAX_PACKAGE_LENGTH + 1))).isFalse();
    assertThat(InAppRule.validPackage("com.𝒜pp")).isTrue(); // a letter beyond the BMP
    assertThat(InAppRule.validPackage("")).isFalse();
    assertThat(InAppRule.validPackage(null)).isFalse();
    assertThat(
            InAppRule.forApp(Collections.nCopies(InAppRule.MAX_PACKAGES, "com.shop"))
                .inApp("com.shop.A"))
        .isTrue();
    assertThatThrownBy(
            () -> InAppRule.forApp(Collections.nCopies(InAppRule.MAX_PACKAGES + 1, "com.shop")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @BeforeContainer
  static void warmUp() {
    String s = "a.".repeat(100) + "!";
    LinearTime.warmUp(() -> InAppRule.validPackage(s));
  }

  @Property(tries = 20)
  void hugeNamesAreCheckedInLinearTime(@ForAll @IntRange(min = 1_000, max = 120_000) int length) {
    String dotted = "a.".repeat(length / 2) + "!";
    String shortDotted = "a.".repeat(99) + "!";
    assertThat(LinearTime.within50ms("package", () -> InAppRule.validPackage(dotted))).isFalse();
    assertThat(LinearTime.within50ms("package", () -> InAppRule.validPackage(shortDotted)))
        .isFalse();
  }
}
