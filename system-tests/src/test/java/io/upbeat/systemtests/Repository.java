package io.upbeat.systemtests;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository under test, as the build tells the tests where it is. */
final class Repository {
  private Repository() {}

  static Path root() {
    String home = System.getProperty("upbeat.home");
    Path root = home == null ? Path.of("..") : Path.of(home);
    root = root.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("upbeat"))) {
      throw new IllegalStateException("not the Upbeat repository root: " + root);
    }
    return root;
  }
}
