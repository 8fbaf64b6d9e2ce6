package io.upbeat.agent.release;

import io.upbeat.agent.release.Git.GitException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The commits that {@code git blame} is told to look through: those listed in the files of {@code
 * git config blame.ignoreRevsFile}, or else in {@code .git-blame-ignore-revs} at the top of the
 * work tree (the file GitHub and GitLab honour). They are reformattings, mass renames and the like:
 * they touch the lines an error happens on without being its cause, so the release command lists
 * them without files and the server never takes them for a suspect.
 */
final class IgnoreRevs {
  static final String DEFAULT_FILE = ".git-blame-ignore-revs";

  /** A full object name, SHA-1 or SHA-256, as git reads them from these files. */
  private static final Pattern FULL_NAME = Pattern.compile("[0-9a-fA-F]{40}|[0-9a-fA-F]{64}");

  private IgnoreRevs() {}

  /** The listed commits, lower case; empty when no file is configured or present. */
  static Set<String> read(Git git) throws GitException {
    Git.Result<String> top = git.run("rev-parse", "--show-toplevel");
    if (top.exit() != 0 || top.value().isEmpty()) {
      return Set.of();
    }
    Path root = Path.of(top.value());
    Git.Result<String> configured = git.run("config", "--get-all", "blame.ignoreRevsFile");
    List<Path> files = new ArrayList<>();
    if (configured.exit() == 0 && !configured.value().isBlank()) {
      for (String name : configured.value().split("\n")) {
        String n = name.strip();
        if (n.isEmpty()) {
          files.clear(); // git: an empty value resets the list
        } else {
          files.add(root.resolve(n));
        }
      }
    } else {
      files.add(root.resolve(DEFAULT_FILE));
    }
    Set<String> shas = new HashSet<>();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
          String entry = parse(line);
          if (entry != null) {
            shas.add(entry);
          }
        }
      } catch (IOException e) {
        throw new GitException("could not read " + file + ": " + e.getMessage());
      }
    }
    return Set.copyOf(shas);
  }

  /** The commit a line of the file names, or null for a comment, a blank or anything else. */
  static String parse(String line) {
    int hash = line.indexOf('#');
    String entry = (hash < 0 ? line : line.substring(0, hash)).strip();
    return FULL_NAME.matcher(entry).matches() ? entry.toLowerCase(Locale.ROOT) : null;
  }

  /** The commits, with those listed stripped of their files. */
  static List<Commit> apply(List<Commit> commits, Set<String> ignored) {
    if (ignored.isEmpty()) {
      return commits;
    }
    List<Commit> result = new ArrayList<>(commits.size());
    for (Commit c : commits) {
      result.add(
          ignored.contains(c.sha().toLowerCase(Locale.ROOT))
              ? new Commit(
                  c.sha(),
                  c.parents(),
                  c.authorName(),
                  c.authorEmail(),
                  c.timestamp(),
                  c.message(),
                  List.of())
              : c);
    }
    return result;
  }
}
