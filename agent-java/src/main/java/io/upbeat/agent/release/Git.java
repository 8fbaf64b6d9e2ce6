package io.upbeat.agent.release;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Runs the {@code git} executable in one repository. */
final class Git {
  /** A git command that could not run or did not succeed; the message is for the user. */
  static final class GitException extends Exception {
    private static final long serialVersionUID = 1L;

    GitException(String message) {
      super(message);
    }
  }

  /** Reads a command's standard output as it runs. */
  interface OutputReader<T> {
    T read(BufferedReader out) throws IOException;
  }

  /** How a command ended: its exit code, what it read from the output, and its stderr. */
  record Result<T>(int exit, T value, String err) {}

  private final Path repo;

  Git(Path repo) {
    this.repo = repo;
  }

  /** Runs {@code git args...} and returns its trimmed output, whatever the exit code. */
  Result<String> run(String... args) throws GitException {
    return run(List.of(args), Git::readAll);
  }

  /** Runs {@code git args...}, which must succeed, and returns its trimmed output. */
  String text(String... args) throws GitException {
    Result<String> r = run(args);
    if (r.exit() != 0) {
      throw failed(args[0], r);
    }
    return r.value();
  }

  /** Runs {@code git args...}, which must succeed, streaming its output through {@code reader}. */
  <T> T stream(List<String> args, OutputReader<T> reader) throws GitException {
    Result<T> r = run(args, reader);
    if (r.exit() != 0) {
      throw failed(args.get(0), r);
    }
    return r.value();
  }

  private static GitException failed(String command, Result<?> r) {
    return new GitException("git " + command + " failed: " + firstLine(r.err()));
  }

  private <T> Result<T> run(List<String> args, OutputReader<T> reader) throws GitException {
    List<String> command = new ArrayList<>();
    command.add("git");
    // Non-ASCII names as they are, not octal-quoted.
    command.add("-c");
    command.add("core.quotePath=false");
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile());
    pb.environment().put("GIT_TERMINAL_PROMPT", "0");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new GitException(
          "could not run git (is it installed and on the PATH?): " + e.getMessage());
    }
    try {
      p.getOutputStream().close();
      CompletableFuture<String> err =
          CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
      T value;
      // Commit messages, names and paths are bytes to git: whatever is not UTF-8 becomes U+FFFD
      // (never an exception, never a lone surrogate).
      try (BufferedReader r =
          new BufferedReader(
              new InputStreamReader(
                  p.getInputStream(),
                  StandardCharsets.UTF_8
                      .newDecoder()
                      .onMalformedInput(CodingErrorAction.REPLACE)
                      .onUnmappableCharacter(CodingErrorAction.REPLACE)))) {
        value = reader.read(r);
        r.transferTo(Writer.nullWriter()); // let git finish if the reader stopped early
      }
      int exit = p.waitFor();
      return new Result<>(exit, value, err.join());
    } catch (IOException | UncheckedIOException e) {
      p.destroy();
      throw new GitException("could not read git's output: " + e.getMessage());
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new GitException("interrupted while running git");
    }
  }

  private static String readAll(BufferedReader r) throws IOException {
    StringBuilder b = new StringBuilder();
    char[] buf = new char[8192];
    int n;
    while ((n = r.read(buf)) > 0) {
      b.append(buf, 0, n);
    }
    return b.toString().trim();
  }

  private static String drain(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String firstLine(String s) {
    String t = s == null ? "" : s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
