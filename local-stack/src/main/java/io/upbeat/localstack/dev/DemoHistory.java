package io.upbeat.localstack.dev;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The demo's git history: three commits by three fictional developers who wrote the example app's
 * real source files, so the release command lists what each changed and the processor can blame
 * each of the shop's bugs on the commit that wrote its line. Alice writes the shop with a pricing
 * stub, Bob seeds the data, Carol writes the discount (and its division by zero). Built once, with
 * fixed dates, in the data directory; the example app's files are read from the repository so the
 * line numbers match the running jar.
 */
final class DemoHistory {
  static final String SHOP = "example-app/src/main/java/io/upbeat/example/ShopApplication.java";
  static final String SCHEMA = "example-app/src/main/resources/schema.sql";
  static final String CONFIG = "example-app/src/main/resources/application.yaml";
  static final String POM = "example-app/pom.xml";

  record Author(String name, String email) {}

  static final Author ALICE = new Author("Alice Martin", "alice@example.com");
  static final Author BOB = new Author("Bob Chen", "bob@example.com");
  static final Author CAROL = new Author("Carol Diaz", "carol@example.com");

  private static final String DISCOUNT_METHOD = "BigDecimal discount(List<BigDecimal> totals) {";

  private DemoHistory() {}

  /** Whether a working {@code git} is on the PATH. */
  static boolean gitAvailable() {
    try {
      Process p =
          new ProcessBuilder("git", "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Returns {@code repo}, creating the history there first unless it exists. It is built in a
   * sibling directory and renamed into place, so an interrupted attempt is simply redone.
   *
   * @param home the Upbeat repository, whose {@code example-app/} supplies the files
   */
  static Path ensure(Path home, Path repo) throws IOException, InterruptedException {
    if (Files.isDirectory(repo.resolve(".git"))) {
      return repo;
    }
    Path partial = repo.resolveSibling(repo.getFileName() + ".partial");
    deleteRecursively(partial);
    deleteRecursively(repo);
    Files.createDirectories(partial);
    build(home, partial);
    Files.move(partial, repo);
    return repo;
  }

  private static void build(Path home, Path repo) throws IOException, InterruptedException {
    String shop = Files.readString(home.resolve(SHOP));
    String shopStub = withoutDiscount(shop);
    String schema = Files.readString(home.resolve(SCHEMA));

    git(repo, null, "-c", "init.defaultBranch=main", "init", "-q");

    write(repo, POM, Files.readString(home.resolve(POM)));
    write(repo, CONFIG, Files.readString(home.resolve(CONFIG)));
    write(repo, SCHEMA, tablesOnly(schema));
    if (shopStub != null) {
      write(repo, SHOP, shopStub);
    }
    commit(
        repo,
        ALICE,
        "2026-11-02T09:12:00Z",
        "Shop: users and their orders over JDBC\n\nPricing is a stub for now: no discounts.");

    write(repo, SCHEMA, schema);
    commit(repo, BOB, "2026-11-09T15:40:00Z", "Seed 1,000 users and 5,000 orders for load tests");

    write(repo, SHOP, shop);
    commit(repo, CAROL, "2026-11-16T11:05:00Z", "Discounts: 5% of the average order total");
  }

  /**
   * The shop with the pricing rule's body replaced by {@code return BigDecimal.ZERO;}, or null when
   * the method is not found (then Carol's commit adds the whole file, which still blames her).
   */
  static String withoutDiscount(String shop) {
    List<String> lines = shop.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.trim().equals(DISCOUNT_METHOD)) {
        continue;
      }
      String indent = line.substring(0, line.indexOf(DISCOUNT_METHOD));
      for (int j = i + 1; j < lines.size(); j++) {
        if (lines.get(j).equals(indent + "}")) {
          List<String> out = new ArrayList<>(lines.subList(0, i + 1));
          out.add(indent + "  return BigDecimal.ZERO;");
          out.addAll(lines.subList(j, lines.size()));
          return String.join("\n", out) + "\n";
        }
      }
    }
    return null;
  }

  /** The schema's table definitions without the seed data, which Bob adds. */
  static String tablesOnly(String schema) {
    return schema
        .lines()
        .filter(l -> l.startsWith("CREATE "))
        .map(l -> l + "\n")
        .reduce("", String::concat);
  }

  private static void write(Path repo, String path, String content) throws IOException {
    Path file = repo.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  private static void commit(Path repo, Author author, String date, String message)
      throws IOException, InterruptedException {
    git(repo, null, "add", "-A");
    git(
        repo,
        date,
        "-c",
        "user.name=" + author.name(),
        "-c",
        "user.email=" + author.email(),
        "commit",
        "-q",
        "-m",
        message);
  }

  private static void git(Path repo, String date, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git", "-c", "commit.gpgsign=false"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile());
    Map<String, String> env = pb.environment();
    // The user's own git configuration (hooks, signing, templates) has no say in the demo's
    // history.
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    if (date != null) {
      env.put("GIT_AUTHOR_DATE", date);
      env.put("GIT_COMMITTER_DATE", date);
    }
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("git " + String.join(" ", args) + " failed: " + output.trim());
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
