package io.upbeat.agent.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.agent.release.Commit.FileChange;
import io.upbeat.agent.release.Commit.Range;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The git log parser on hand-made output, for what a real repository rarely produces. */
class GitLogTest {
  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);
  private static final String C = "c".repeat(40);

  private static String header(String sha, String parents, String message) {
    return "\u001e"
        + sha
        + "\0"
        + parents
        + "\0Alice\0alice@example.com\0"
        + "1795687200\0"
        + message
        + "\n\0\n\n";
  }

  private static GitLog.Result parse(String output) throws IOException {
    return GitLog.parse(new BufferedReader(new StringReader(output)));
  }

  @Test
  void hunkLinesThatLookLikeHeadersAreSkippedByCount() throws IOException {
    String out =
        header(A, B, "Tricky\n\nbody")
            + "diff --git a/x.txt b/x.txt\n"
            + "index 1..2 100644\n"
            + "--- a/x.txt\n"
            + "+++ b/x.txt\n"
            + "@@ -1,2 +1,3 @@\n"
            + "--- a/evil.txt\n"
            + "-\u001enot a commit\n"
            + "+++ b/evil.txt\n"
            + "+diff --git a/evil b/evil\n"
            + "+@@ -1 +1 @@\n"
            + "\\ No newline at end of file\n"
            + "@@ -9 +10,0 @@\n"
            + "-gone\n"
            + header(B, "", "Second");

    GitLog.Result r = parse(out);

    assertThat(r.commits()).hasSize(2);
    Commit first = r.commits().get(0);
    assertThat(first.sha()).isEqualTo(A);
    assertThat(first.message()).isEqualTo("Tricky\n\nbody");
    assertThat(first.timestamp()).isEqualTo(Instant.parse("2026-11-26T10:00:00Z"));
    assertThat(first.files())
        .containsExactly(new FileChange("x.txt", "modified", List.of(new Range(1, 3))));
    assertThat(r.commits().get(1).files()).isEmpty();
  }

  @Test
  void quotedAndBinaryAndModeOnlyFiles() throws IOException {
    String out =
        header(A, B, "Files")
            + "diff --git \"a/tab\\there.txt\" \"b/tab\\there.txt\"\n"
            + "--- \"a/tab\\there.txt\"\n"
            + "+++ \"b/tab\\there.txt\"\n"
            + "@@ -0,0 +1 @@\n"
            + "+x\n"
            + "diff --git a/caf\u00e9 b.png b/caf\u00e9 b.png\n"
            + "new file mode 100644\n"
            + "Binary files /dev/null and b/caf\u00e9 b.png differ\n"
            + "diff --git a/run.sh b/run.sh\n"
            + "old mode 100644\n"
            + "new mode 100755\n"
            + "diff --git \"a/caf\\303\\251.txt\" \"b/caf\\303\\251.txt\"\n"
            + "deleted file mode 100644\n"
            + "--- \"a/caf\\303\\251.txt\"\n"
            + "+++ /dev/null\n"
            + "@@ -1 +0,0 @@\n"
            + "-x\n";

    assertThat(parse(out).commits().get(0).files())
        .containsExactly(
            new FileChange("tab\there.txt", "modified", List.of(new Range(1, 1))),
            new FileChange("caf\u00e9 b.png", "added", null),
            new FileChange("run.sh", "modified", List.of()),
            new FileChange("caf\u00e9.txt", "deleted", null));
  }

  @Test
  void aMergesPatchIsIgnoredAndOddEmailsAreDropped() throws IOException {
    String out =
        "\u001e"
            + C
            + "\0"
            + A
            + " "
            + B
            + "\0Root\0root@localhost\0"
            + "1795687200\0Merge\n\0\n\n"
            + "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";

    Commit merge = parse(out).commits().get(0);
    assertThat(merge.merge()).isTrue();
    assertThat(merge.files()).isEmpty();
    assertThat(merge.authorEmail()).isNull();
    assertThat(merge.authorName()).isEqualTo("Root");
  }

  @Test
  void moreRangesThanTheApiTakesAreCoveredByTheLastOne() throws IOException {
    StringBuilder out = new StringBuilder(header(A, B, "Many")).append("diff --git a/x b/x\n");
    out.append("--- a/x\n+++ b/x\n");
    for (int i = 0; i < GitLog.MAX_RANGES + 5; i++) {
      out.append("@@ -").append(3 * i + 1).append(" +").append(3 * i + 1).append(" @@\n-a\n+b\n");
    }

    GitLog.Result r = parse(out.toString());

    List<Range> lines = r.commits().get(0).files().get(0).lines();
    assertThat(lines).hasSize(GitLog.MAX_RANGES);
    assertThat(lines.get(GitLog.MAX_RANGES - 2)).isEqualTo(new Range(2995, 2995));
    assertThat(lines.get(GitLog.MAX_RANGES - 1))
        .isEqualTo(new Range(2998, 3 * (GitLog.MAX_RANGES + 4) + 1));
    assertThat(r.mergedRanges()).isEqualTo(6);
  }

  @Test
  void diffGitLinesWithSpacesAndRenames() {
    assertThat(GitLog.diffGitPath("a/x y/z b/x y/z")).isEqualTo("x y/z");
    assertThat(GitLog.diffGitPath("a/b b/c")).isEqualTo("c");
    assertThat(GitLog.diffGitPath("\"a/t\\tx\" \"b/t\\ty\"")).isEqualTo("t\ty");
    assertThat(GitLog.unquote("\"q\\\"\\\\\"")).isEqualTo("q\"\\");
  }

  @Test
  void hunkHeadersAreReadByHand() {
    assertThat(GitLog.hunk("@@ -1,2 +3,4 @@ void f()")).containsExactly(2, 3, 4);
    assertThat(GitLog.hunk("@@ -9 +10,0 @@")).containsExactly(1, 10, 0);
    assertThat(GitLog.hunk("@@@ -1 +1 @@")).containsExactly(1, 1, 1);
    assertThat(GitLog.hunk("@@ -1 +1")).isNull();
    assertThat(GitLog.hunk("@@ -1 -2 +1 @@@")).isNull(); // combined diffs are not read
    assertThat(GitLog.hunk("@@ -x +1 @@")).isNull();
    assertThat(GitLog.hunk("@@ -1 +99999999999 @@")).isNull(); // no int
    String huge = "@@ -" + "1".repeat(100_000);
    long start = System.nanoTime();
    assertThat(GitLog.hunk(huge)).isNull();
    assertThat(System.nanoTime() - start).isLessThan(50_000_000L);
  }

  @Test
  void emailsShasAndStorableText() {
    assertThat(GitLog.email("a@b.io")).isTrue();
    assertThat(GitLog.email("root@localhost")).isFalse();
    assertThat(GitLog.email("a@" + "b".repeat(400) + ".io")).isFalse();
    assertThat(GitLog.email("a b@c.io")).isFalse();
    assertThat(GitLog.email("a\u0001b@c.io")).isFalse();
    String huge = "a@" + "a".repeat(120_000);
    long start = System.nanoTime();
    assertThat(GitLog.email(huge)).isFalse();
    assertThat(System.nanoTime() - start).isLessThan(50_000_000L);
    assertThat(GitLog.fullSha("a".repeat(40))).isTrue();
    assertThat(GitLog.fullSha("A".repeat(64))).isTrue();
    assertThat(GitLog.fullSha("g".repeat(40))).isFalse();
    assertThat(GitLog.fullSha("a".repeat(41))).isFalse();
    assertThat(GitLog.fullSha(null)).isFalse();
    assertThat(GitLog.storable("a\u0000b\ud800c\udc00d\ud83d\ude00"))
        .isEqualTo("a\uFFFDb\uFFFDc\uFFFDd\ud83d\ude00");
    assertThat(GitLog.storable("x\ud800")).isEqualTo("x\uFFFD");
    assertThat(GitLog.truncate("ab\ud83d\ude00", 3)).isEqualTo("ab");
  }
}
