package io.upbeat.agent.release;

import io.upbeat.agent.release.Git.GitException;
import io.upbeat.agent.release.ReleaseApi.ApiException;
import io.upbeat.agent.release.ReleaseApi.Http;
import io.upbeat.agent.release.ReleaseApi.Latest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code java -jar upbeat-agent.jar release --api URL --app APP_ID --token CI_TOKEN --version V
 * [--environment E] [--since REF] [--repo DIR] [--deployer EMAIL] [--dry-run]}: posts a release
 * with the commits since the previous one, read from the local git history.
 *
 * <p>The range is {@code REF..HEAD} with {@code --since}; otherwise {@code head..HEAD}, where
 * {@code head} is the {@code head_sha} of the environment's latest release as the API reports it.
 * Without a previous release (the first one), or when its head is not in this history (rewritten,
 * squashed, or a shallow clone; a warning says so), the last {@value #FALLBACK_COMMITS} commits.
 * Merge commits are listed without files: their changes are listed under the commits that made
 * them. So are the commits of {@code .git-blame-ignore-revs} (or of {@code blame.ignoreRevsFile}),
 * which are then never suspects (see {@link IgnoreRevs}). At most {@value #MAX_COMMITS} commits,
 * newest first.
 *
 * <p>Exit codes: 0 posted (or printed, with {@code --dry-run}), 1 failed (git, the API), 2 usage.
 */
public final class ReleaseCommand {
  static final int FALLBACK_COMMITS = 20;
  static final int MAX_COMMITS = 1_000;

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  static final String USAGE_TEXT =
      """
      usage: java -jar upbeat-agent.jar release --api URL --app APP_ID --token CI_TOKEN --version V
                 [--environment E] [--since REF] [--repo DIR] [--deployer EMAIL] [--dry-run]
        --api URL          the Upbeat API, e.g. https://upbeat.example.com (env UPBEAT_API_URL)
        --app APP_ID       the app's id (env UPBEAT_APP_ID)
        --token CI_TOKEN   the app's CI token, ub_ci_... (env UPBEAT_CI_TOKEN)
        --version V        the release's version, 1-200 characters
        --environment E    default production
        --since REF        list the commits after REF (default: since the previous release's head)
        --repo DIR         the git repository (default: the current directory)
        --deployer EMAIL   who deployed
        --dry-run          print the JSON instead of posting it (--api, --app and --token are then
                           needed only to ask for the previous release, so not with --since)
      """;

  private final Map<String, String> env;
  private final Path workDir;
  private final Http http;
  private final PrintStream out;
  private final PrintStream err;

  ReleaseCommand(
      Map<String, String> env, Path workDir, Http http, PrintStream out, PrintStream err) {
    this.env = env;
    this.workDir = workDir;
    this.http = http;
    this.out = out;
    this.err = err;
  }

  /** Runs the command with the process's environment, directory and streams, then exits. */
  public static void main(String[] args) {
    List<String> list = new ArrayList<>(Arrays.asList(args));
    if (!list.isEmpty() && list.get(0).equals("release")) {
      list.remove(0); // called as "upbeat-agent.jar release ..." through the jar's entry point
    }
    int exit =
        new ReleaseCommand(
                System.getenv(),
                Path.of("").toAbsolutePath(),
                ReleaseApi.jdkHttp(),
                System.out,
                System.err)
            .run(list);
    System.exit(exit);
  }

  /** The parsed command line. */
  record Options(
      String api,
      String app,
      String token,
      String version,
      String environment,
      String since,
      Path repo,
      String deployer,
      boolean dryRun) {}

  /** A command line that cannot run; the message says why. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  int run(List<String> args) {
    Options o;
    try {
      if (args.contains("--help") || args.contains("-h")) {
        out.print(USAGE_TEXT);
        return OK;
      }
      o = options(args);
    } catch (UsageException e) {
      err.println("error: " + e.getMessage());
      err.print(USAGE_TEXT);
      return USAGE;
    }
    try {
      return release(o);
    } catch (GitException | ApiException e) {
      err.println("error: " + e.getMessage());
      return FAILED;
    }
  }

  Options options(List<String> args) throws UsageException {
    String api = env.get("UPBEAT_API_URL");
    String app = env.get("UPBEAT_APP_ID");
    String token = env.get("UPBEAT_CI_TOKEN");
    String version = null;
    String environment = "production";
    String since = null;
    String repo = null;
    String deployer = null;
    boolean dryRun = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String value = null;
      int eq = arg.indexOf('=');
      String flag = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      if (flag.equals("--dry-run")) {
        if (eq > 0) {
          throw new UsageException("--dry-run takes no value");
        }
        dryRun = true;
        continue;
      }
      if (!flag.startsWith("--")) {
        throw new UsageException("unexpected argument: " + arg);
      }
      if (eq > 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new UsageException(flag + " needs a value");
      }
      switch (flag) {
        case "--api" -> api = value;
        case "--app" -> app = value;
        case "--token" -> token = value;
        case "--version" -> version = value;
        case "--environment" -> environment = value;
        case "--since" -> since = value;
        case "--repo" -> repo = value;
        case "--deployer" -> deployer = value;
        default -> throw new UsageException("unknown option: " + flag);
      }
    }
    if (version == null || version.isBlank() || version.length() > 200) {
      throw new UsageException("--version is required: 1 to 200 characters");
    }
    if (environment.isEmpty() || environment.length() > 100) {
      throw new UsageException("--environment must be 1 to 100 characters");
    }
    if (deployer != null && deployer.length() > 200) {
      throw new UsageException("--deployer must be at most 200 characters");
    }
    if (since != null && (since.isEmpty() || since.startsWith("-"))) {
      throw new UsageException("--since needs a commit, branch or tag: " + since);
    }
    boolean needsApi = !(dryRun && since != null);
    if (needsApi) {
      if (blank(api)) {
        throw new UsageException("--api (or UPBEAT_API_URL) is required");
      }
      if (!api.startsWith("http://") && !api.startsWith("https://")) {
        throw new UsageException("--api must be an http:// or https:// URL: " + api);
      }
      if (blank(app)) {
        throw new UsageException("--app (or UPBEAT_APP_ID) is required");
      }
      if (blank(token)) {
        throw new UsageException("--token (or UPBEAT_CI_TOKEN) is required");
      }
    }
    Path dir = repo == null ? workDir : workDir.resolve(repo);
    return new Options(api, app, token, version, environment, since, dir, deployer, dryRun);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private int release(Options o) throws GitException, ApiException {
    Git git = new Git(o.repo());
    Git.Result<String> headResult = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}");
    if (headResult.exit() != 0) {
      throw new GitException(
          o.repo()
              + " is not a git repository with commits"
              + (headResult.err().isBlank() ? "" : ": " + Git.firstLine(headResult.err())));
    }
    String head = headResult.value().toLowerCase(java.util.Locale.ROOT);
    ReleaseApi api = o.api() == null ? null : new ReleaseApi(o.api(), o.app(), o.token(), http);

    String range = range(o, git, api, head);
    List<String> log = new ArrayList<>();
    log.add("log");
    log.addAll(GitLog.ARGS);
    log.add("--max-count=" + (range == null ? FALLBACK_COMMITS : MAX_COMMITS + 1));
    log.add(range == null ? head : range);
    log.add("--");
    GitLog.Result parsed = git.stream(log, GitLog::parse);
    List<Commit> commits = parsed.commits();
    if (commits.size() > MAX_COMMITS) {
      err.println(
          "warning: more than "
              + MAX_COMMITS
              + " commits in "
              + range
              + "; posting the newest "
              + MAX_COMMITS);
      commits = commits.subList(0, MAX_COMMITS);
    }
    java.util.Set<String> ignored = IgnoreRevs.read(git);
    commits = IgnoreRevs.apply(commits, ignored);
    long listed = commits.stream().filter(c -> ignored.contains(c.sha())).count();
    if (listed > 0) {
      err.println(
          "note: "
              + listed
              + (listed == 1 ? " commit" : " commits")
              + " of the blame ignore list (.git-blame-ignore-revs) listed without files: never"
              + " suspects");
    }
    if (parsed.droppedFiles() > 0) {
      err.println(
          "warning: "
              + parsed.droppedFiles()
              + " files left out: a commit may list at most "
              + GitLog.MAX_FILES);
    }
    Git.Result<String> branch = git.run("symbolic-ref", "--short", "-q", "HEAD");
    String ref = branch.exit() == 0 && !branch.value().isEmpty() ? branch.value() : null;
    String json =
        ReleaseJson.write(
            new ReleaseJson.Release(
                o.version(), o.environment(), o.deployer(), ref, head, commits));
    if (o.dryRun()) {
      out.println(json);
      return OK;
    }
    ReleaseApi.Posted posted = api.post(json);
    out.println(
        (posted.created() ? "Created" : "Updated")
            + " release "
            + o.version()
            + " ("
            + o.environment()
            + ") with "
            + commits.size()
            + (commits.size() == 1 ? " commit" : " commits")
            + (range == null ? " (the last " + FALLBACK_COMMITS + " at most)" : " in " + range)
            + (posted.commitCount() >= 0 ? "; the release now has " + posted.commitCount() : "")
            + ".");
    return OK;
  }

  /** The commits to list as {@code from..HEAD}, or null for the last {@link #FALLBACK_COMMITS}. */
  private String range(Options o, Git git, ReleaseApi api, String head)
      throws GitException, ApiException {
    if (o.since() != null) {
      Git.Result<String> since =
          git.run("rev-parse", "--verify", "--quiet", o.since() + "^{commit}");
      if (since.exit() != 0) {
        throw new GitException("--since " + o.since() + " is not a commit in " + o.repo());
      }
      return since.value() + ".." + head;
    }
    Optional<Latest> latest = api.latest(o.environment());
    if (latest.isEmpty()) {
      out.println(
          "No previous release in "
              + o.environment()
              + ": listing the last "
              + FALLBACK_COMMITS
              + " commits.");
      return null;
    }
    String previous = latest.get().headSha();
    if (!GitLog.fullSha(previous)) {
      err.println(
          "warning: the previous release "
              + latest.get().version()
              + " has no head commit; listing the last "
              + FALLBACK_COMMITS
              + " commits (use --since REF to choose)");
      return null;
    }
    previous = previous.toLowerCase(java.util.Locale.ROOT);
    Git.Result<String> ancestor = git.run("merge-base", "--is-ancestor", previous, head);
    if (ancestor.exit() == 0) {
      return previous + ".." + head;
    }
    String why =
        ancestor.exit() == 1
            ? "is not an ancestor of HEAD (history rewritten or squashed?)"
            : "is not in this repository (history rewritten, or a shallow clone: fetch the full"
                + " history)";
    err.println(
        "warning: the previous release "
            + latest.get().version()
            + "'s head "
            + previous
            + " "
            + why
            + "; listing the last "
            + FALLBACK_COMMITS
            + " commits instead (use --since REF to choose)");
    return null;
  }
}
