package io.upbeat.agent.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release command against real git repositories and a fake API on loopback. */
class ReleaseCommandTest {
  @TempDir Path tmp;

  private TestRepo repo;
  private FakeApi api;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeAll
  static void needsGit() {
    assumeTrue(TestRepo.gitAvailable(), "git is not installed");
  }

  @BeforeEach
  void setUp() throws IOException {
    repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")));
    api = new FakeApi();
  }

  @AfterEach
  void tearDown() {
    api.close();
  }

  private int release(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--api",
                api.url(),
                "--app",
                FakeApi.APP,
                "--token",
                FakeApi.TOKEN,
                "--version",
                "v2",
                "--repo",
                repo.dir.toString()));
    args.addAll(List.of(extra));
    return run(Map.of(), args);
  }

  private int run(Map<String, String> env, List<String> args) {
    return new ReleaseCommand(
            env,
            tmp,
            ReleaseApi.jdkHttp(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))
        .run(args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> posted() {
    assertThat(api.posted).as(err()).hasSize(1);
    return (Map<String, Object>) Json.parse(api.posted.get(0));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> commits(Map<String, Object> release) {
    return (List<Map<String, Object>>) release.get("commits");
  }

  private static List<String> shas(Map<String, Object> release) {
    return commits(release).stream().map(c -> (String) c.get("sha")).toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> commit(Map<String, Object> release, String sha) {
    return commits(release).stream()
        .filter(c -> c.get("sha").equals(sha))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no commit " + sha));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> files(Map<String, Object> commit) {
    return (List<Map<String, Object>>) commit.get("files");
  }

  private static Map<String, Object> file(Map<String, Object> commit, String path) {
    return files(commit).stream()
        .filter(f -> f.get("path").equals(path))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no file " + path + " in " + commit));
  }

  private static List<List<Integer>> lines(Map<String, Object> file) {
    List<List<Integer>> ranges = new ArrayList<>();
    for (Object r : (List<?>) file.get("lines")) {
      ranges.add(((List<?>) r).stream().map(n -> ((Double) n).intValue()).toList());
    }
    return ranges;
  }

  private static List<String> reversed(List<String> shas) {
    List<String> r = new ArrayList<>(shas);
    java.util.Collections.reverse(r);
    return r;
  }

  @Test
  void firstReleasePostsTheLastTwentyCommitsNewestFirst() {
    List<String> shas = repo.commits(25, "App.java");

    assertThat(release()).as(err()).isZero();

    assertThat(api.requests.get(0))
        .isEqualTo("GET /api/v1/apps/" + FakeApi.APP + "/releases/latest?environment=production");
    assertThat(api.authorizations).containsOnly("Bearer " + FakeApi.TOKEN);
    Map<String, Object> release = posted();
    assertThat(release.get("version")).isEqualTo("v2");
    assertThat(release.get("environment")).isEqualTo("production");
    assertThat(release.get("ref")).isEqualTo("main");
    assertThat(release.get("head_sha")).isEqualTo(repo.head());
    assertThat(shas(release)).containsExactlyElementsOf(reversed(shas).subList(0, 20));
    Map<String, Object> newest = commits(release).get(0);
    assertThat(newest.get("author_name")).isEqualTo("Alice Example");
    assertThat(newest.get("author_email")).isEqualTo("alice@example.com");
    assertThat(newest.get("message")).isEqualTo("Change App.java #24");
    // Committed at a +0100 offset, sent in UTC.
    assertThat((String) newest.get("timestamp"))
        .isEqualTo(Instant.ofEpochSecond(1_700_000_000L + 25 * 60).toString())
        .endsWith("Z");
    assertThat(lines(file(newest, "App.java"))).containsExactly(List.of(1, 1));
    assertThat(out()).contains("No previous release").contains("Created release v2");
  }

  @Test
  void aSmallFirstReleaseListsEveryCommit() {
    List<String> shas = repo.commits(3, "App.java");
    assertThat(release()).as(err()).isZero();
    assertThat(shas(posted())).containsExactlyElementsOf(reversed(shas));
  }

  @Test
  void listsTheCommitsSinceThePreviousReleasesHead() {
    List<String> shas = repo.commits(5, "App.java");
    api.latest("v1", shas.get(2).toUpperCase());

    assertThat(release("--environment", "staging")).as(err()).isZero();

    assertThat(api.requests.get(0)).endsWith("/releases/latest?environment=staging");
    Map<String, Object> release = posted();
    assertThat(release.get("environment")).isEqualTo("staging");
    assertThat(shas(release)).containsExactly(shas.get(4), shas.get(3));
    assertThat(err()).isEmpty();
    assertThat(out()).contains("with 2 commits in " + shas.get(2) + ".." + shas.get(4));
  }

  @Test
  void nothingNewSinceThePreviousHeadPostsNoCommits() {
    List<String> shas = repo.commits(2, "App.java");
    api.latest("v1", shas.get(1));
    assertThat(release()).as(err()).isZero();
    assertThat(shas(posted())).isEmpty();
  }

  @Test
  void aPreviousHeadRewrittenAwayFallsBackToTheLastCommitsWithAWarning() {
    List<String> before = repo.commits(3, "App.java");
    // Rewrite the last commit (amend, force-push): the old head still exists, off this history.
    repo.git("reset", "-q", "--hard", before.get(1));
    List<String> after = repo.commits(2, "Other.java");
    api.latest("v1", before.get(2));

    assertThat(release()).as(err()).isZero();

    assertThat(err()).contains("warning").contains(before.get(2)).contains("not an ancestor");
    assertThat(shas(posted()))
        .containsExactly(after.get(1), after.get(0), before.get(1), before.get(0));
  }

  @Test
  void aPreviousHeadUnknownToThisRepositoryFallsBackWithAWarning() {
    List<String> shas = repo.commits(22, "App.java");
    api.latest("v1", "9fceb02d0ae598e95dc970b74767f19372d61af8");

    assertThat(release()).as(err()).isZero();

    assertThat(err()).contains("warning").contains("not in this repository").contains("shallow");
    assertThat(shas(posted())).hasSize(20).first().isEqualTo(shas.get(21));
  }

  @Test
  void aPreviousReleaseWithoutAHeadFallsBackWithAWarning() {
    repo.commits(2, "App.java");
    api.latest("v1", null);
    assertThat(release()).as(err()).isZero();
    assertThat(err()).contains("no head commit");
    assertThat(shas(posted())).hasSize(2);
  }

  @Test
  void sinceAnExplicitRefAsksTheApiNothing() {
    repo.commits(3, "App.java");
    repo.git("tag", "v1");
    List<String> shas = repo.commits(2, "App.java");
    api.latest("v1", "9fceb02d0ae598e95dc970b74767f19372d61af8");

    assertThat(release("--since", "v1")).as(err()).isZero();

    assertThat(api.requests).containsExactly("POST /api/v1/apps/" + FakeApi.APP + "/releases");
    assertThat(shas(posted())).containsExactly(shas.get(1), shas.get(0));
    assertThat(release("--since", "no-such-tag")).isEqualTo(1);
    assertThat(err()).contains("--since no-such-tag is not a commit");
  }

  @Test
  void renamesDeletionsAdditionsAndSeveralHunksGiveExactLineRanges() throws IOException {
    repo.write("old/Name.java", TestRepo.lines(20))
        .write("Gone.java", TestRepo.lines(3))
        .write("Hunks.java", TestRepo.lines(10))
        .write("docs/read me.md", "hello\n");
    String base = repo.commit("Base");
    api.latest("v1", base);

    Files.createDirectories(repo.dir.resolve("new/dir"));
    repo.git("mv", "old/Name.java", "new/dir/Name.java");
    repo.write("new/dir/Name.java", TestRepo.lines(19) + "changed 20\n");
    String renamed = repo.commit("Move Name");
    repo.git("rm", "-q", "Gone.java");
    String deleted = repo.commit("Remove Gone");
    // Line 2 changed, 5-6 changed, one line inserted after 8, old line 10 deleted.
    repo.write(
        "Hunks.java",
        "line 1\nLINE 2\nline 3\nline 4\nLINE 5\nLINE 6\nline 7\nline 8\ninserted\nline 9\n");
    repo.write("docs/read me.md", "hello\nworld\n");
    repo.write("src/café.txt", "a\nb\n");
    String edited = repo.commit("Edit");

    assertThat(release()).as(err()).isZero();
    Map<String, Object> release = posted();
    assertThat(shas(release)).containsExactly(edited, deleted, renamed);

    Map<String, Object> move = file(commit(release, renamed), "new/dir/Name.java");
    assertThat(move.get("change")).isEqualTo("renamed");
    assertThat(lines(move)).containsExactly(List.of(20, 20));
    assertThat(files(commit(release, renamed))).hasSize(1);

    Map<String, Object> gone = file(commit(release, deleted), "Gone.java");
    assertThat(gone.get("change")).isEqualTo("deleted");
    assertThat(gone).doesNotContainKey("lines");

    Map<String, Object> edit = commit(release, edited);
    Map<String, Object> hunks = file(edit, "Hunks.java");
    assertThat(hunks.get("change")).isEqualTo("modified");
    assertThat(lines(hunks)).containsExactly(List.of(2, 2), List.of(5, 6), List.of(9, 9));
    assertThat(lines(file(edit, "docs/read me.md"))).containsExactly(List.of(2, 2));
    Map<String, Object> added = file(edit, "src/café.txt");
    assertThat(added.get("change")).isEqualTo("added");
    assertThat(lines(added)).containsExactly(List.of(1, 2));
  }

  @Test
  void textThatIsNotUtf8IsPostedAsValidJsonWithReplacementCharacters() throws IOException {
    String base = repo.write("A.java", "a\n").commit("Base");
    api.latest("v1", base);
    // A message declared ISO-8859-1: git log --encoding=UTF-8 converts it.
    Path message = tmp.resolve("message.txt");
    Files.write(message, "Caf\u00e9 cr\u00e8me".getBytes(StandardCharsets.ISO_8859_1));
    repo.write("A.java", "a\nb\n");
    repo.git("add", "-A");
    repo.git("-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "-F", message.toString());
    String declared = repo.head();
    // Latin-1 bytes with no encoding header, a byte no encoding knows, a cut-off UTF-8 sequence.
    byte[] name = {'J', 'o', 's', (byte) 0xe9, ' ', (byte) 0xff, 'X'};
    byte[] text = {'F', 'i', 'x', ' ', (byte) 0xe9, (byte) 0xe2, (byte) 0x82, '\n'};
    String raw = repo.rawCommit(name, text);

    assertThat(release()).as(err()).isZero();

    String body = api.posted.get(0);
    // Strict JSON that a standard parser reads, with no NUL and no unpaired surrogate.
    tools.jackson.databind.JsonNode tree =
        tools.jackson.databind.json.JsonMapper.shared().readTree(body);
    assertThat(tree.get("commits")).hasSize(2);
    assertThat(body).doesNotContain("\\u0000").doesNotContain("\\ud8").doesNotContain("\\udc");
    Map<String, Object> release = posted();
    assertThat(commit(release, declared).get("message")).isEqualTo("Caf\u00e9 cr\u00e8me");
    Map<String, Object> odd = commit(release, raw);
    assertThat((String) odd.get("author_name")).startsWith("Jos\uFFFD").endsWith("X");
    assertThat((String) odd.get("message")).startsWith("Fix \uFFFD").endsWith("\uFFFD");
    assertThat(odd.get("author_email")).isEqualTo("raw@example.com");
  }

  @Test
  void commitsOfTheBlameIgnoreListArePostedWithoutFilesSoTheyAreNeverSuspects() {
    String base = repo.write("A.java", TestRepo.lines(10)).commit("Base");
    api.latest("v1", base);
    String fix =
        repo.write("A.java", TestRepo.lines(10).replace("line 5\n", "five\n")).commit("Fix");
    String reformat =
        repo.write("A.java", TestRepo.lines(10).replace("line", "LINE")).commit("Reformat");
    String listing =
        repo.write(
                ".git-blame-ignore-revs",
                "# Reformatting with the new style\n"
                    + reformat.toUpperCase(java.util.Locale.ROOT)
                    + "  # upper case and a trailing comment\n\n"
                    + "deadbeef # not a full name: ignored, as git does\n")
            .commit("Ignore the reformatting in blame");

    assertThat(release()).as(err()).isZero();

    Map<String, Object> release = posted();
    assertThat(shas(release)).containsExactly(listing, reformat, fix);
    assertThat(files(commit(release, reformat))).isEmpty();
    assertThat(commit(release, reformat).get("message")).isEqualTo("Reformat");
    assertThat(lines(file(commit(release, fix), "A.java"))).containsExactly(List.of(5, 5));
    assertThat(files(commit(release, listing))).hasSize(1);
    assertThat(err()).contains("note: 1 commit of the blame ignore list");
  }

  @Test
  void blameIgnoreRevsFileChoosesTheListInsteadOfTheDefault() {
    String base = repo.write("A.java", "a\n").commit("Base");
    api.latest("v1", base);
    String one = repo.write("A.java", "b\n").commit("One");
    String two = repo.write("A.java", "c\n").commit("Two");
    // The default file lists one, but the configured file (not committed) lists two.
    repo.write(".git-blame-ignore-revs", one + "\n").commit("Default list");
    String listed = repo.head();
    repo.write("config/ignore-revs.txt", two + "\n");
    repo.git("config", "blame.ignoreRevsFile", "config/ignore-revs.txt");

    assertThat(release("--since", base)).as(err()).isZero();

    Map<String, Object> release = posted();
    assertThat(shas(release)).containsExactly(listed, two, one);
    assertThat(files(commit(release, two))).isEmpty();
    assertThat(files(commit(release, one))).hasSize(1);
  }

  @Test
  void aLineOfTheIgnoreListIsAFullObjectNameOrNothing() {
    String sha1 = "9fceb02d0ae598e95dc970b74767f19372d61af8";
    assertThat(IgnoreRevs.parse(sha1)).isEqualTo(sha1);
    assertThat(IgnoreRevs.parse("  " + sha1.toUpperCase(java.util.Locale.ROOT) + "\t# why"))
        .isEqualTo(sha1);
    assertThat(IgnoreRevs.parse("a".repeat(64))).isEqualTo("a".repeat(64));
    assertThat(IgnoreRevs.parse("# " + sha1)).isNull();
    assertThat(IgnoreRevs.parse("9fceb02")).isNull();
    assertThat(IgnoreRevs.parse("")).isNull();
    assertThat(IgnoreRevs.parse(sha1 + "0")).isNull();
    assertThat(IgnoreRevs.parse("HEAD~1")).isNull();
  }

  @Test
  void mergeCommitsAreListedWithoutFilesAndTheBranchCommitsWithTheirs() {
    String base = repo.write("A.java", "a\n").commit("Base");
    api.latest("v1", base);
    repo.git("checkout", "-q", "-b", "feature");
    String feature = repo.write("Feature.java", "f\ng\n").commit("Feature");
    repo.git("checkout", "-q", "main");
    String main = repo.write("A.java", "a\nb\n").commit("Main");
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature", "-m", "Merge feature");
    String merge = repo.head();

    assertThat(release()).as(err()).isZero();

    Map<String, Object> release = posted();
    assertThat(shas(release)).hasSize(3).first().isEqualTo(merge);
    assertThat(shas(release)).contains(feature, main);
    assertThat(files(commit(release, merge))).isEmpty();
    assertThat(commit(release, merge).get("message")).isEqualTo("Merge feature");
    assertThat(lines(file(commit(release, feature), "Feature.java")))
        .containsExactly(List.of(1, 2));
    assertThat(lines(file(commit(release, main), "A.java"))).containsExactly(List.of(2, 2));
  }

  @Test
  void messagesWithQuotesNewlinesBackslashesAndUnicodeArePostedIntact() {
    String message =
        "Fix \"quoted\" path C:\\tmp\\new\n\nBody\twith a tab, é, ü, 日本, 😀\nand </script>";
    String sha = repo.write("A.java", "a\n").commit(message);

    assertThat(release()).as(err()).isZero();

    assertThat(commit(posted(), sha).get("message")).isEqualTo(message);
    assertThat(api.posted.get(0))
        .contains("\\\"quoted\\\"")
        .contains("C:\\\\tmp\\\\new\\n\\nBody\\twith")
        .contains("😀");
  }

  @Test
  void anAuthorEmailTheApiWouldRefuseIsLeftOut() {
    repo.git("config", "user.email", "root@localhost");
    String sha = repo.write("A.java", "a\n").commit("Local");
    assertThat(release()).as(err()).isZero();
    assertThat(commit(posted(), sha)).doesNotContainKey("author_email");
  }

  @Test
  void dryRunPrintsTheJsonAndPostsNothing() {
    String first = repo.commits(1, "A.java").get(0);
    String second = repo.commits(1, "A.java").get(0);

    int exit =
        run(
            Map.of(),
            List.of(
                "--version=v3",
                "--repo",
                repo.dir.toString(),
                "--since",
                first,
                "--deployer",
                "bob@example.com",
                "--dry-run"));

    assertThat(exit).as(err()).isZero();
    assertThat(api.requests).isEmpty();
    Object json = Json.parse(out().strip());
    assertThat(Json.string(json, "version")).isEqualTo("v3");
    assertThat(Json.string(json, "deployer")).isEqualTo("bob@example.com");
    assertThat(Json.string(json, "head_sha")).isEqualTo(second);
  }

  @Test
  void flagsFallBackToTheEnvironment() {
    repo.commits(1, "A.java");
    int exit =
        run(
            Map.of(
                "UPBEAT_API_URL",
                api.url() + "/",
                "UPBEAT_APP_ID",
                FakeApi.APP,
                "UPBEAT_CI_TOKEN",
                FakeApi.TOKEN),
            List.of("--version", "v9", "--repo", repo.dir.toString()));
    assertThat(exit).as(err()).isZero();
    assertThat(posted().get("version")).isEqualTo("v9");
  }

  @Test
  void usageErrorsExitWithTwoAndSayWhy() {
    assertThat(run(Map.of(), List.of("--api", api.url(), "--app", "a", "--token", "t")))
        .isEqualTo(2);
    assertThat(err()).contains("--version is required").contains("usage:");
    assertThat(release("--colour", "blue")).isEqualTo(2);
    assertThat(err()).contains("unknown option: --colour");
    assertThat(release("--since")).isEqualTo(2);
    assertThat(run(Map.of(), List.of("--version", "v1"))).isEqualTo(2);
    assertThat(err()).contains("--api (or UPBEAT_API_URL) is required");
    assertThat(run(Map.of(), List.of("--help"))).isZero();
    assertThat(api.requests).isEmpty();
  }

  @Test
  void failuresExitWithOneAndTheApisMessage() throws IOException {
    repo.commits(1, "A.java");
    api.postStatus = 400;
    api.postBody =
        "{\"error\":\"invalid_payload\",\"message\":\"The release is invalid.\","
            + "\"details\":[{\"field\":\"version\",\"problem\":\"must be 1 to 200 characters\"}]}";
    assertThat(release()).isEqualTo(1);
    assertThat(err())
        .contains("HTTP 400")
        .contains("The release is invalid.")
        .contains("version: must be 1 to 200 characters");

    api.latestStatus = 401;
    api.latestBody = "{\"error\":\"unauthorized\",\"message\":\"Sign in.\",\"details\":[]}";
    assertThat(release()).isEqualTo(1);
    assertThat(err()).contains("HTTP 401").contains("Sign in.");

    Path empty = Files.createDirectories(tmp.resolve("not-a-repo"));
    assertThat(release("--repo", empty.toString())).isEqualTo(1);
    assertThat(err()).contains("is not a git repository");
  }
}
