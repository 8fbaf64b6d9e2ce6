package io.upbeat.assignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OwnershipRulesTest {
  private static final OwnershipRules RULES =
      OwnershipRules.parse(
          """
          # Default owner first; later lines win.
          *                      lead@shop.io
          *.kt                   kotlin@shop.io
          /src/main/java/com/shop/billing/   billing@shop.io finance@shop.io
          docs/                  docs@shop.io   # trailing comment
          **/checkout/**         checkout@shop.io
          src/main/java/com/shop/User*.java  users@shop.io
          """);

  private static String owner(String path) {
    return RULES.ownerOf(path).map(OwnershipRules.Owner::email).orElse(null);
  }

  @Test
  void theLastMatchingRuleWins() {
    assertThat(owner("README.md")).isEqualTo("lead@shop.io");
    assertThat(owner("src/main/kotlin/com/shop/Utils.kt")).isEqualTo("kotlin@shop.io");
    assertThat(owner("src/main/java/com/shop/billing/Invoice.java")).isEqualTo("billing@shop.io");
    assertThat(owner("src/main/java/com/shop/billing/tax/Vat.java")).isEqualTo("billing@shop.io");
    assertThat(owner("docs/api.md")).isEqualTo("docs@shop.io");
    assertThat(owner("module/docs/guide.md")).isEqualTo("docs@shop.io");
    assertThat(owner("web/checkout/Cart.java")).isEqualTo("checkout@shop.io");
    assertThat(owner("src/main/java/com/shop/UserService.java")).isEqualTo("users@shop.io");
    // Anchored: not below another root.
    assertThat(owner("lib/src/main/java/com/shop/billing/Invoice.java")).isEqualTo("lead@shop.io");
    assertThat(
            RULES
                .ownerOf("src/main/java/com/shop/billing/Invoice.java")
                .orElseThrow()
                .rule()
                .line())
        .isEqualTo(4);
  }

  @Test
  void aPackageDerivedPathMatchesAnchoredRulesBelowTheRoot() {
    RepoPath derived =
        RepoPath.ofFrame(
            new Frame("com.shop.UserService", "find", "UserService.java", null, 1, true));
    assertThat(derived.toString()).isEqualTo("com/shop/UserService.java");
    OwnershipRules rules = OwnershipRules.parse("/src/main/java/com/shop/  shop@shop.io\n");
    assertThat(rules.ownerOf(derived)).isEmpty(); // anchored pattern vs a derived suffix
    OwnershipRules relative = OwnershipRules.parse("com/shop/  shop@shop.io\n");
    assertThat(relative.ownerOf(derived).map(OwnershipRules.Owner::email)).contains("shop@shop.io");
  }

  @Test
  void namesTheBadLine() {
    for (String bad :
        List.of(
            "*.java\n", "# ok\n\n*.java not-an-email\n", "!foo a@b.io\n", "[ab].java a@b.io\n")) {
      assertThatThrownBy(() -> OwnershipRules.parse(bad))
          .isInstanceOf(OwnershipRules.InvalidRuleException.class)
          .satisfies(
              e ->
                  assertThat(((OwnershipRules.InvalidRuleException) e).line())
                      .isEqualTo(bad.startsWith("#") ? 3 : 1));
    }
    assertThat(OwnershipRules.parse("\n# nothing\n").rules()).isEmpty();
  }

  @Test
  void limitsRulesLinesAndStars() {
    String rule = "*.java a@b.io\n";
    assertThat(OwnershipRules.parse(rule.repeat(OwnershipRules.MAX_RULES)).rules())
        .hasSize(OwnershipRules.MAX_RULES);
    assertThatThrownBy(
            () -> OwnershipRules.parse("# many\n" + rule.repeat(OwnershipRules.MAX_RULES + 1)))
        .hasMessage("line 1002: exceeds the limit of 1000 rules");
    String longLine = "x".repeat(OwnershipRules.MAX_LINE_LENGTH - 7) + " a@b.io";
    assertThat(OwnershipRules.parse(longLine).rules()).hasSize(1);
    assertThat(OwnershipRules.parse(longLine + "\r\n").rules()).hasSize(1);
    assertThatThrownBy(() -> OwnershipRules.parse("*.kt a@b.io\n#" + longLine))
        .hasMessage("line 2: is longer than 1024 characters");
    assertThat(OwnershipRules.parse("*a".repeat(32) + " a@b.io").rules()).hasSize(1);
    assertThatThrownBy(() -> OwnershipRules.parse("*a".repeat(33) + " a@b.io"))
        .hasMessage("line 1: pattern \"" + "*a".repeat(33) + "\" has more than 32 *");
    String huge = ("# " + "x".repeat(1000) + "\n").repeat(66);
    assertThat(huge.length()).isGreaterThan(OwnershipRules.MAX_TEXT_LENGTH);
    assertThatThrownBy(() -> OwnershipRules.parse(huge))
        .hasMessage("line 66: the rules are longer than 65536 characters");
    assertThat(OwnershipRules.parse("** a@b.io").ownerOf("a/".repeat(512))).isPresent();
    assertThat(OwnershipRules.parse("** a@b.io").ownerOf("a/".repeat(512) + "b")).isEmpty();
  }

  @Test
  void splitsLinesAndTokensAsBefore() {
    OwnershipRules rules = OwnershipRules.parse("#c\r\n\t*.kt\u000B\fk@b.io\tl@b.io \r\n");
    assertThat(rules.rules()).hasSize(1);
    assertThat(rules.rules().getFirst().line()).isEqualTo(2);
    assertThat(rules.rules().getFirst().owners()).containsExactly("k@b.io", "l@b.io");
    assertThatThrownBy(() -> OwnershipRules.parse("#c\r\n*.kt\u2003k@b.io"))
        .hasMessage("line 2: needs a path pattern and at least one owner e-mail");
  }

  @Test
  void theAssignerFallsBackToOwnershipAndNeverGuesses() {
    Assigner assigner = new Assigner();
    Frame frame = new Frame("com.shop.billing.Invoice", "total", "Invoice.java", null, 12, true);
    Release noEvidence =
        new Release(
            "v1",
            java.time.Instant.EPOCH,
            List.of(
                new Release.Commit(
                    "a".repeat(40),
                    "x@shop.io",
                    "m",
                    null,
                    0,
                    List.of(
                        new Release.FileChange(
                            "src/main/java/com/shop/billing/Invoice.java",
                            "modified",
                            List.of(new Release.LineRange(300, 301)))))));
    // A file-only match in an older release is no suspect; ownership decides, by repo path.
    Optional<Assigner.Assignment> a =
        assigner.assign(
            List.of(frame),
            List.of(new Release("v2", java.time.Instant.EPOCH, List.of()), noEvidence),
            RULES);
    assertThat(a).isPresent();
    assertThat(a.get().email()).isEqualTo("billing@shop.io");
    assertThat(a.get().reason())
        .isEqualTo(
            "ownership rule line 4 (/src/main/java/com/shop/billing/) owns"
                + " src/main/java/com/shop/billing/Invoice.java; frame Invoice.total:12");
    assertThat(a.get().suspect()).isEmpty();
    assertThat(assigner.assign(List.of(frame), List.of(), OwnershipRules.NONE)).isEmpty();
  }
}
