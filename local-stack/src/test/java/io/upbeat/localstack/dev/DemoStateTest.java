package io.upbeat.localstack.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoStateTest {
  @TempDir Path dir;

  private final DemoState state =
      new DemoState(
          "demo@example.com", "pw-0123456789", "org-1", "app-1", "shop", "ub_app_x", "ub_ci_y");

  @Test
  void roundTripsThroughItsFileReadableByItsOwnerOnly() throws Exception {
    Path file = dir.resolve("demo.json");
    state.save(file);

    assertThat(DemoState.load(file)).contains(state);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
    assertThat(Files.readString(file)).contains("\"secret_token\" : \"ub_app_x\"");
  }

  @Test
  void replacesTheFileWhenATokenChanges() throws Exception {
    Path file = dir.resolve("demo.json");
    state.save(file);
    state.withSecretToken("ub_app_new").withCiToken("ub_ci_new").save(file);

    DemoState loaded = DemoState.load(file).orElseThrow();
    assertThat(loaded.secretToken()).isEqualTo("ub_app_new");
    assertThat(loaded.ciToken()).isEqualTo("ub_ci_new");
    assertThat(loaded.password()).isEqualTo(state.password());
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void aMissingOrDamagedFileMeansStartingOver() throws Exception {
    assertThat(DemoState.load(dir.resolve("none.json"))).isEmpty();
    Path damaged = Files.writeString(dir.resolve("demo.json"), "{\"email\": \"demo@exa");
    assertThat(DemoState.load(damaged)).isEmpty();
    Path partial = Files.writeString(dir.resolve("partial.json"), "{\"email\": \"a@b.c\"}");
    assertThat(DemoState.load(partial)).isEmpty();
  }
}
