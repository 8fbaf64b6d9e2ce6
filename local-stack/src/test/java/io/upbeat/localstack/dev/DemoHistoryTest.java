package io.upbeat.localstack.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoHistoryTest {
  /** The repository root: tests run in the module's directory. */
  private static final Path HOME = Path.of("").toAbsolutePath().getParent();

  @TempDir Path dir;

  @Test
  void theStubKeepsTheShopButNotTheDiscountRule() throws Exception {
    String shop = Files.readString(HOME.resolve(DemoHistory.SHOP));
    String stub = DemoHistory.withoutDiscount(shop);

    assertThat(stub).isNotNull().contains("return BigDecimal.ZERO;").doesNotContain("divide(");
    assertThat(stub).contains("Map<String, Object> user(@PathVariable int id)");
    assertThat(DemoHistory.withoutDiscount("class Other {}\n")).isNull();
  }

  @Test
  void theFirstSchemaHasTheTablesAndNoData() throws Exception {
    String tables = DemoHistory.tablesOnly(Files.readString(HOME.resolve(DemoHistory.SCHEMA)));
    assertThat(tables.lines()).hasSize(2).allMatch(l -> l.startsWith("CREATE TABLE"));
  }

  @Test
  void threeAuthorsCommitTheShopOnceAndCarolsCommitChangesTheLineThatThrows() throws Exception {
    Assumptions.assumeTrue(DemoHistory.gitAvailable(), "git is not installed");
    Path repo = DemoHistory.ensure(HOME, dir.resolve("demo-repo"));

    assertThat(git(repo, "log", "--format=%an <%ae> %aI"))
        .containsExactly(
            "Carol Diaz <carol@example.com> 2026-11-16T11:05:00+00:00",
            "Bob Chen <bob@example.com> 2026-11-09T15:40:00+00:00",
            "Alice Martin <alice@example.com> 2026-11-02T09:12:00+00:00");
    assertThat(Files.readString(repo.resolve(DemoHistory.SHOP)))
        .isEqualTo(Files.readString(HOME.resolve(DemoHistory.SHOP)));
    List<String> carols = git(repo, "show", "--unified=0", "--format=", "HEAD");
    assertThat(carols).anyMatch(l -> l.startsWith("+") && l.contains("sum.divide("));
    assertThat(Files.exists(dir.resolve("demo-repo.partial"))).isFalse();

    // Built once: a second call keeps the same commits.
    String head = git(repo, "rev-parse", "HEAD").getFirst();
    DemoHistory.ensure(HOME, repo);
    assertThat(git(repo, "rev-parse", "HEAD")).containsExactly(head);
  }

  @Test
  void fixedAuthorsAndDatesMakeTheSameCommitsEveryTime() throws Exception {
    Assumptions.assumeTrue(DemoHistory.gitAvailable(), "git is not installed");
    Path one = DemoHistory.ensure(HOME, dir.resolve("one"));
    Path two = DemoHistory.ensure(HOME, dir.resolve("two"));
    assertThat(git(one, "rev-parse", "HEAD")).isEqualTo(git(two, "rev-parse", "HEAD"));
  }

  private static List<String> git(Path repo, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("git", "-C", repo.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out.lines().toList();
  }
}
