package io.upbeat.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.Test;

class EmailAddressesTest {
  /** The pattern the check replaced, as the oracle. */
  private static final Pattern OLD = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  @Test
  void acceptsAddressesAndRefusesTheRest() {
    for (String ok :
        new String[] {
          "a@b.io", "First.Last+tag@mail.example.co.uk", "x@a..b", "x@..b", "ü@müller.de", "a@b.c"
        }) {
      assertThat(EmailAddresses.isValid(ok)).as(ok).isTrue();
    }
    for (String bad :
        new String[] {
          "",
          "a",
          "@b.io",
          "a@",
          "a@b",
          "a@.io",
          "a@b.",
          "a@b@c.io",
          "a b@c.io",
          "a@b.io\n",
          "a\u0000@b.io",
          "a\u0085@b.io",
          "root@localhost"
        }) {
      assertThat(EmailAddresses.isValid(bad)).as(bad).isFalse();
    }
    assertThat(EmailAddresses.isValid(null)).isFalse();
    String longest = "a".repeat(64) + "@" + "b".repeat(252) + ".io";
    assertThat(longest).hasSize(320);
    assertThat(EmailAddresses.isValid(longest)).isTrue();
    assertThat(EmailAddresses.isValid("a" + longest)).isFalse();
    assertThat(EmailAddresses.wellFormed("a" + longest)).isTrue();
  }

  @Provide
  Arbitrary<String> candidates() {
    return Arbitraries.strings().withChars('a', '.', '@', ' ', '\t', '\r', 'é').ofMaxLength(12);
  }

  @Property(tries = 20_000)
  void agreesWithThePatternItReplaced(@ForAll("candidates") String s) {
    assertThat(EmailAddresses.wellFormed(s)).isEqualTo(OLD.matcher(s).matches());
  }

  @BeforeContainer
  static void warmUp() {
    String s = "a@" + "a.".repeat(5_000) + "!";
    LinearTime.warmUp(() -> EmailAddresses.wellFormed(s));
  }

  @Property(tries = 30)
  void hugeAddressesAreCheckedInLinearTime(
      @ForAll @IntRange(min = 1_000, max = 120_000) int length,
      @ForAll @IntRange(min = 0, max = 3) int shape) {
    String s =
        switch (shape) {
          case 0 -> "a@" + "a".repeat(length); // no dot: the old pattern backtracked
          case 1 -> "a@" + "a.".repeat(length / 2) + " "; // many dots, refused at the end
          case 2 -> "a".repeat(length) + "@"; // no domain
          default -> "a@" + "a".repeat(length) + ".io"; // well formed, too long
        };
    boolean wellFormed =
        LinearTime.within50ms("e-mail of " + length, () -> EmailAddresses.wellFormed(s));
    assertThat(wellFormed).isEqualTo(shape == 3);
    assertThat(LinearTime.within50ms("valid", () -> EmailAddresses.isValid(s))).isFalse();
  }
}
