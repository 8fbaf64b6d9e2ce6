package io.upbeat.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.assignment.Release.Commit;
import io.upbeat.assignment.Release.FileChange;
import io.upbeat.assignment.Release.LineRange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A labelled corpus of assignment scenarios, each with the author a careful human would blame (or
 * nobody). Reports precision (correct among assigned) and coverage (assigned among those that
 * should be), and holds them to the goals: precision >= 95%, coverage >= 80%, and no assignment at
 * all where none is expected.
 */
class SuspectCorpusTest {
  private static final String USER = "src/main/java/com/shop/UserService.java";
  private static final String ORDER = "src/main/java/com/shop/OrderService.java";
  private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

  record Case(String name, List<Frame> frames, List<Release> releases, String expected) {}

  static Frame app(String module, String function, String file, Integer line) {
    return new Frame(module, function, file, null, line, true);
  }

  static Frame user(int line) {
    return app("com.shop.UserService", "find", "UserService.java", line);
  }

  static Frame order(int line) {
    return app("com.shop.OrderService", "place", "OrderService.java", line);
  }

  static Frame lib(String module, String function, int line) {
    return new Frame(
        module,
        function,
        module.substring(module.lastIndexOf('.') + 1) + ".java",
        null,
        line,
        false);
  }

  static FileChange mod(String path, int... ranges) {
    List<LineRange> lines = new ArrayList<>();
    for (int i = 0; i < ranges.length; i += 2) {
      lines.add(new LineRange(ranges[i], ranges[i + 1]));
    }
    return new FileChange(path, "modified", lines);
  }

  static FileChange change(String path, String kind, int... ranges) {
    FileChange m = mod(path, ranges);
    return new FileChange(path, kind, ranges.length == 0 ? null : m.lines());
  }

  static int sha = 0;

  static Commit commit(String email, int minutes, FileChange... files) {
    String s = String.format(Locale.ROOT, "%040x", ++sha);
    return new Commit(
        s, email, "change " + sha, T0.plusSeconds(60L * minutes), sha, List.of(files));
  }

  static Release rel(int age, Commit... commits) {
    return new Release("v" + (10 - age), T0.minusSeconds(86_400L * age), List.of(commits));
  }

  static List<Frame> frames(Frame... f) {
    return List.of(f);
  }

  static List<Release> releases(Release... r) {
    return List.of(r);
  }

  static List<Case> corpus() {
    return List.of(
        new Case(
            "line match, one commit",
            frames(user(42)),
            releases(rel(0, commit("alice@x.io", 0, mod(USER, 40, 48)))),
            "alice@x.io"),
        new Case(
            "two authors in one file, frame in bob's lines",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit("alice@x.io", 0, mod(USER, 10, 20)),
                    commit("bob@x.io", 1, mod(USER, 40, 48)))),
            "bob@x.io"),
        new Case(
            "two authors in one file, frame in alice's lines",
            frames(user(15)),
            releases(
                rel(
                    0,
                    commit("alice@x.io", 0, mod(USER, 10, 20)),
                    commit("bob@x.io", 1, mod(USER, 40, 48)))),
            "alice@x.io"),
        new Case(
            "only commit touched the file, other lines, innermost frame",
            frames(user(60)),
            releases(rel(0, commit("bob@x.io", 0, mod(USER, 40, 48)))),
            "bob@x.io"),
        new Case(
            "deep line match beats shallow file-only",
            frames(user(100), app("com.shop.Api", "get", "Api.java", 7), order(30)),
            releases(
                rel(
                    0,
                    commit("carol@x.io", 0, mod(USER, 5, 6)),
                    commit("dave@x.io", 1, mod(ORDER, 28, 31)))),
            "dave@x.io"),
        new Case(
            "library frames on top",
            frames(
                lib("com.zaxxer.hikari.pool.HikariPool", "getConnection", 181),
                lib("org.springframework.jdbc.core.JdbcTemplate", "query", 733),
                user(42)),
            releases(rel(0, commit("alice@x.io", 0, mod(USER, 40, 48)))),
            "alice@x.io"),
        new Case(
            "only library frames",
            frames(lib("com.zaxxer.hikari.pool.HikariPool", "getConnection", 181)),
            releases(
                rel(
                    0,
                    commit(
                        "alice@x.io",
                        0,
                        mod("src/main/java/com/zaxxer/hikari/pool/HikariPool.java", 180, 182)))),
            null),
        new Case(
            "no commit touched the stack's files",
            frames(user(42), order(30)),
            releases(
                rel(0, commit("alice@x.io", 0, mod("src/main/java/com/shop/Cart.java", 1, 90)))),
            null),
        new Case("release without commits", frames(user(42)), releases(rel(0)), null),
        new Case("no release known", frames(user(42)), releases(), null),
        new Case(
            "same evidence in the new and an older release: the newer",
            frames(user(42)),
            releases(
                rel(0, commit("eve@x.io", 0, mod(USER, 40, 48))),
                rel(1, commit("frank@x.io", 0, mod(USER, 40, 48)))),
            "eve@x.io"),
        new Case(
            "older release's line match beats the new release's file-only",
            frames(user(42)),
            releases(
                rel(0, commit("gina@x.io", 0, mod(USER, 200, 210))),
                rel(1, commit("hank@x.io", 0, mod(USER, 40, 45)))),
            "hank@x.io"),
        new Case(
            "renamed file",
            frames(app("com.shop.AccountService", "open", "AccountService.java", 30)),
            releases(
                rel(
                    0,
                    commit(
                        "ivan@x.io",
                        0,
                        change("src/main/java/com/shop/AccountService.java", "renamed", 1, 80)))),
            "ivan@x.io"),
        new Case(
            "moved to another package",
            frames(app("com.shop.billing.Invoice", "total", "Invoice.java", 12)),
            releases(
                rel(
                    0,
                    commit(
                        "judy@x.io",
                        0,
                        change("src/main/java/com/shop/billing/Invoice.java", "renamed", 10, 14)))),
            "judy@x.io"),
        new Case(
            "same file name in another package",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit(
                        "mallory@x.io",
                        0,
                        mod("src/main/java/com/other/UserService.java", 40, 48)))),
            null),
        new Case(
            "Kotlin file-level function",
            frames(app("com.shop.UtilsKt", "slug", "Utils.kt", 12)),
            releases(
                rel(0, commit("kim@x.io", 0, mod("src/main/kotlin/com/shop/Utils.kt", 10, 14)))),
            "kim@x.io"),
        new Case(
            "Kotlin lambda class",
            frames(app("com.shop.CartService$checkout$1", "invoke", "CartService.kt", 77)),
            releases(
                rel(
                    0,
                    commit("lee@x.io", 0, mod("src/main/kotlin/com/shop/CartService.kt", 75, 80)))),
            "lee@x.io"),
        new Case(
            "Scala anonymous function",
            frames(app("com.shop.Pricing$$anonfun$total$1", "apply", "Pricing.scala", 20)),
            releases(
                rel(
                    0,
                    commit("max@x.io", 0, mod("src/main/scala/com/shop/Pricing.scala", 18, 22)))),
            "max@x.io"),
        new Case(
            "absolute build path in the frame",
            frames(
                new Frame(
                    "com.shop.UserService",
                    "find",
                    "UserService.java",
                    "/home/ci/build/" + USER,
                    42,
                    true)),
            releases(rel(0, commit("nina@x.io", 0, mod(USER, 40, 48)))),
            "nina@x.io"),
        new Case(
            "frame without path or module",
            frames(app(null, "find", "UserService.java", 42)),
            releases(rel(0, commit("olga@x.io", 0, mod(USER, 40, 48)))),
            "olga@x.io"),
        new Case(
            "frame without a line number, only commit on the file",
            frames(app("com.shop.UserService", "find", "UserService.java", null)),
            releases(rel(0, commit("pat@x.io", 0, mod(USER, 40, 48)))),
            "pat@x.io"),
        new Case(
            "the file was deleted",
            frames(user(42)),
            releases(rel(0, commit("quinn@x.io", 0, change(USER, "deleted")))),
            null),
        new Case(
            "line match only five in-app frames deep",
            frames(
                app("com.shop.A", "a", "A.java", 1),
                app("com.shop.B", "b", "B.java", 1),
                app("com.shop.C", "c", "C.java", 1),
                app("com.shop.D", "d", "D.java", 1),
                user(42)),
            releases(rel(0, commit("rob@x.io", 0, mod(USER, 40, 48)))),
            null),
        new Case(
            "line match four in-app frames deep",
            frames(
                app("com.shop.A", "a", "A.java", 1),
                app("com.shop.B", "b", "B.java", 1),
                app("com.shop.C", "c", "C.java", 1),
                user(42)),
            releases(rel(0, commit("sam@x.io", 0, mod(USER, 40, 48)))),
            "sam@x.io"),
        new Case(
            "two commits on the same lines: the newer",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit("tom@x.io", 0, mod(USER, 40, 48)),
                    commit("uma@x.io", 60, mod(USER, 41, 47)))),
            "uma@x.io"),
        new Case(
            "line just inside the slack",
            frames(user(51)),
            releases(
                rel(
                    0,
                    commit("vic@x.io", 0, mod(USER, 40, 48)),
                    commit("wes@x.io", 1, mod(USER, 200, 220)))),
            "vic@x.io"),
        new Case(
            "second frame's line match beats the first's file-only",
            frames(user(300), order(30)),
            releases(
                rel(
                    0,
                    commit("xena@x.io", 0, mod(USER, 1, 5)),
                    commit("yuri@x.io", 1, mod(ORDER, 29, 33)))),
            "yuri@x.io"),
        new Case(
            "innermost frame's line match beats a deeper one",
            frames(user(42), user(90)),
            releases(
                rel(
                    0,
                    commit("zoe@x.io", 0, mod(USER, 40, 48)),
                    commit("abe@x.io", 1, mod(USER, 88, 92)))),
            "zoe@x.io"),
        new Case(
            "only match is in the seventh release back",
            frames(user(42)),
            releases(
                rel(0),
                rel(1),
                rel(2),
                rel(3),
                rel(4),
                rel(5),
                rel(6, commit("old@x.io", 0, mod(USER, 40, 48)))),
            null),
        new Case(
            "line match five releases back still counts",
            frames(user(42)),
            releases(
                rel(0),
                rel(1),
                rel(2),
                rel(3),
                rel(4),
                rel(5, commit("bea@x.io", 0, mod(USER, 40, 48)))),
            "bea@x.io"),
        new Case(
            "file-only evidence in an older release is not enough",
            frames(user(42)),
            releases(rel(0), rel(1, commit("cal@x.io", 0, mod(USER, 400, 410)))),
            null),
        new Case(
            "only the test file changed",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit(
                        "dan@x.io",
                        0,
                        mod("src/test/java/com/shop/UserServiceTest.java", 40, 48)))),
            null),
        new Case(
            "several files in one commit",
            frames(order(12)),
            releases(
                rel(
                    0,
                    commit("eli@x.io", 0, mod(USER, 1, 100), mod(ORDER, 10, 14)),
                    commit("fay@x.io", 1, mod(USER, 40, 48)))),
            "eli@x.io"),
        new Case(
            "innermost frame in a file nobody touched, deeper line match",
            frames(app("com.shop.Mapper", "map", "Mapper.java", 9), user(42)),
            releases(rel(0, commit("gus@x.io", 0, mod(USER, 40, 48)))),
            "gus@x.io"),
        // Grown in M13 from the shapes of real histories; each expectation written before the
        // scorer ran on it.
        new Case(
            "exact hit beats a newer near miss in the same release",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit("hana@x.io", 0, mod(USER, 42, 42)),
                    commit("igor@x.io", 30, mod(USER, 44, 45)))),
            "hana@x.io"),
        new Case(
            "exact hit one release back beats a near miss of the new release",
            frames(user(42)),
            releases(
                rel(0, commit("jill@x.io", 0, mod(USER, 38, 39))),
                rel(1, commit("karl@x.io", 0, mod(USER, 41, 43)))),
            "karl@x.io"),
        new Case(
            "a near miss still beats a newer commit elsewhere in the file",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit("lena@x.io", 0, mod(USER, 44, 46)),
                    commit("marc@x.io", 30, mod(USER, 300, 310)))),
            "lena@x.io"),
        new Case(
            "a newer formatting commit touching every line does not hide the real change",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit("nora@x.io", 0, mod(USER, 40, 44)),
                    commit("fmt@x.io", 60, mod(USER, 1, 412), mod(ORDER, 1, 230)))),
            "nora@x.io"),
        new Case(
            "a newer pure rename does not hide the change in an older release",
            frames(user(42)),
            releases(
                rel(0, commit("otto@x.io", 0, change(USER, "renamed"))),
                rel(1, commit("petra@x.io", 0, mod(USER, 40, 43)))),
            "petra@x.io"),
        new Case(
            "a revert that restored the failing lines is the newer exact hit",
            frames(user(42)),
            releases(
                rel(0, commit("rita@x.io", 0, mod(USER, 40, 44))),
                rel(1, commit("sven@x.io", 0, mod(USER, 40, 44)))),
            "rita@x.io"),
        new Case(
            "exact hit in a library frame loses to a near miss in an in-app frame",
            frames(lib("com.vendor.json.Parser", "parse", 120), user(42)),
            releases(
                rel(
                    0,
                    commit(
                        "tara@x.io",
                        30,
                        mod("src/main/java/com/vendor/json/Parser.java", 118, 122)),
                    commit("ugo@x.io", 0, mod(USER, 45, 46)))),
            "ugo@x.io"),
        new Case(
            "two commits on exactly the frame's line: the newer",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit("vera@x.io", 0, mod(USER, 30, 60)),
                    commit("walt@x.io", 45, mod(USER, 42, 42)))),
            "walt@x.io"),
        new Case(
            "near misses of two commits: the newer",
            frames(user(42)),
            releases(
                rel(
                    0,
                    commit("xavi@x.io", 0, mod(USER, 44, 44)),
                    commit("yara@x.io", 10, mod(USER, 39, 40)))),
            "yara@x.io"));
  }

  @Test
  void meetsThePrecisionAndCoverageGoals() {
    SuspectFinder finder = new SuspectFinder();
    int assigned = 0;
    int correct = 0;
    int shouldBe = 0;
    int wrongWhereNone = 0;
    List<String> failures = new ArrayList<>();
    List<Case> corpus = corpus();
    for (Case c : corpus) {
      Optional<SuspectFinder.Suspect> s = finder.find(c.frames(), c.releases());
      String got = s.map(x -> x.commit().authorEmail()).orElse(null);
      if (c.expected() != null) {
        shouldBe++;
      }
      if (got != null) {
        assigned++;
        if (got.equals(c.expected())) {
          correct++;
        } else if (c.expected() == null) {
          wrongWhereNone++;
        }
      }
      if (!java.util.Objects.equals(got, c.expected())) {
        failures.add(c.name() + ": expected " + c.expected() + ", got " + got);
      }
    }
    double precision = assigned == 0 ? 1 : (double) correct / assigned;
    double coverage = (double) correct / shouldBe;
    System.out.printf(
        Locale.ROOT,
        "Suspect corpus: %d cases, %d should be assigned; assigned %d, correct %d: precision %.1f %%,"
            + " coverage %.1f %%, wrong where none expected %d%n",
        corpus.size(),
        shouldBe,
        assigned,
        correct,
        100 * precision,
        100 * coverage,
        wrongWhereNone);
    assertThat(corpus).hasSizeGreaterThanOrEqualTo(30);
    assertThat(precision).as(failures.toString()).isGreaterThanOrEqualTo(0.95);
    assertThat(coverage).as(failures.toString()).isGreaterThanOrEqualTo(0.80);
    assertThat(wrongWhereNone).as(failures.toString()).isZero();
    assertThat(failures).isEmpty();
  }

  @Test
  void explainsItsVerdict() {
    Commit c =
        new Commit(
            "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "alice@example.com",
            "Cache user lookups",
            T0,
            0,
            List.of(mod(USER, 40, 48)));
    SuspectFinder.Suspect s =
        new SuspectFinder()
            .find(frames(user(42)), releases(new Release("v1", T0, List.of(c))))
            .orElseThrow();
    assertThat(s.reason())
        .isEqualTo(
            "commit 9fceb02 by alice@example.com changed UserService.java lines 40-48;"
                + " frame UserService.find:42");
    SuspectFinder.Suspect weak =
        new SuspectFinder()
            .find(frames(user(90)), releases(new Release("v1", T0, List.of(c))))
            .orElseThrow();
    assertThat(weak.reason()).endsWith("frame UserService.find:90 (same file, other lines)");
    assertThat(Arrays.asList(weak.lineMatch(), s.lineMatch())).containsExactly(false, true);
    SuspectFinder.Suspect near =
        new SuspectFinder()
            .find(frames(user(50)), releases(new Release("v1", T0, List.of(c))))
            .orElseThrow();
    assertThat(near.reason())
        .isEqualTo(
            "commit 9fceb02 by alice@example.com changed UserService.java lines 40-48;"
                + " frame UserService.find:50 (near its line)");
    assertThat(Arrays.asList(near.exact(), s.exact())).containsExactly(false, true);
  }

  @Test
  void anExactHitBeatsANearMissWhichBeatsNothing() {
    Commit exact = new Commit("a".repeat(40), "old@x.io", "fix", T0, 0, List.of(mod(USER, 42, 42)));
    Commit near =
        new Commit(
            "b".repeat(40),
            "new@x.io",
            "tweak",
            T0.plusSeconds(600),
            1,
            List.of(mod(USER, 44, 45)));
    Commit elsewhere =
        new Commit(
            "c".repeat(40),
            "newest@x.io",
            "other",
            T0.plusSeconds(900),
            2,
            List.of(mod(USER, 90, 95)));
    SuspectFinder finder = new SuspectFinder();
    assertThat(
            finder
                .find(frames(user(42)), releases(new Release("v1", T0, List.of(exact, near))))
                .orElseThrow()
                .commit()
                .authorEmail())
        .isEqualTo("old@x.io");
    assertThat(
            finder
                .find(frames(user(42)), releases(new Release("v1", T0, List.of(near, elsewhere))))
                .orElseThrow()
                .commit()
                .authorEmail())
        .isEqualTo("new@x.io");
    assertThat(SuspectFinder.evidence(mod(USER, 42, 42), 42))
        .isGreaterThan(SuspectFinder.evidence(mod(USER, 44, 45), 42));
    assertThat(SuspectFinder.evidence(mod(USER, 44, 45), 42))
        .isGreaterThan(SuspectFinder.evidence(mod(USER, 90, 95), 42));
    // A sweeping change says nothing about one line.
    assertThat(SuspectFinder.evidence(mod(USER, 1, 400), 42))
        .isEqualTo(SuspectFinder.evidence(mod(USER, 90, 95), 42));
  }
}
