package io.upbeat.agent.release;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A throwaway git repository, driven through the git executable as a developer would. */
final class TestRepo {
  final Path dir;
  private int clock = 1_700_000_000;

  TestRepo(Path dir) {
    this.dir = dir;
    git("init", "-q");
    git("symbolic-ref", "HEAD", "refs/heads/main");
    git("config", "user.name", "Alice Example");
    git("config", "user.email", "alice@example.com");
    git("config", "commit.gpgsign", "false");
    git("config", "tag.gpgsign", "false");
    git("config", "core.autocrlf", "false");
  }

  /** Whether a git executable runs here; tests skip themselves otherwise. */
  static boolean gitAvailable() {
    try {
      Process p = new ProcessBuilder("git", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  TestRepo write(String path, String content) {
    try {
      Path file = dir.resolve(path);
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
      return this;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Lines "line 1" to "line n", each followed by a newline. */
  static String lines(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      b.append("line ").append(i).append('\n');
    }
    return b.toString();
  }

  /** Commits everything with a distinct author time (a minute apart); returns the new sha. */
  String commit(String message) {
    git("add", "-A");
    clock += 60;
    String date = "@" + clock + " +0100";
    run(
        Map.of("GIT_AUTHOR_DATE", date, "GIT_COMMITTER_DATE", date),
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message);
    return head();
  }

  /** Commits {@code n} small changes to one file; returns their shas, oldest first. */
  List<String> commits(int n, String file) {
    List<String> shas = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      write(file, "change " + i + " of " + n + " " + shas.size() + clock + "\n");
      shas.add(commit("Change " + file + " #" + i));
    }
    return shas;
  }

  /**
   * Commits the tree of HEAD again as a raw commit object whose author line and message are the
   * given bytes as they are (not UTF-8, say), then moves HEAD to it; returns its sha.
   */
  String rawCommit(byte[] authorName, byte[] message) {
    clock += 60;
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    String tree = git("rev-parse", "HEAD^{tree}");
    o.writeBytes(
        ("tree " + tree + "\nparent " + head() + "\nauthor ").getBytes(StandardCharsets.UTF_8));
    o.writeBytes(authorName);
    o.writeBytes(
        (" <raw@example.com> "
                + clock
                + " +0000\ncommitter C <c@example.com> "
                + clock
                + " +0000\n\n")
            .getBytes(StandardCharsets.UTF_8));
    o.writeBytes(message);
    try {
      Path file = Files.createTempFile(dir.getParent(), "commit", ".raw");
      Files.write(file, o.toByteArray());
      String sha = git("hash-object", "-t", "commit", "-w", "--literally", file.toString());
      git("update-ref", "HEAD", sha);
      return sha;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  String head() {
    return git("rev-parse", "HEAD");
  }

  String git(String... args) {
    return run(Map.of(), args);
  }

  private String run(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new AssertionError("git " + String.join(" ", args) + " failed: " + out);
      }
      return out.trim();
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
