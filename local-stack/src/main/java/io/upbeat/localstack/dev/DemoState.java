package io.upbeat.localstack.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code --demo} created, kept in {@code DATA_DIR/demo.json} (owner-only permissions) so a
 * restart reuses it: the API shows tokens once, so they are stored here, beside the password.
 */
record DemoState(
    String email,
    String password,
    String orgId,
    String appId,
    String appName,
    String secretToken,
    String ciToken) {
  static final String FILE_NAME = "demo.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  DemoState {
    Objects.requireNonNull(email, "email");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(orgId, "orgId");
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(appName, "appName");
    Objects.requireNonNull(secretToken, "secretToken");
    Objects.requireNonNull(ciToken, "ciToken");
  }

  DemoState withSecretToken(String token) {
    return new DemoState(email, password, orgId, appId, appName, token, ciToken);
  }

  DemoState withCiToken(String token) {
    return new DemoState(email, password, orgId, appId, appName, secretToken, token);
  }

  /**
   * The stored state; empty when there is none or it cannot be read (then the demo starts over).
   */
  static Optional<DemoState> load(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(file.toFile());
      return Optional.of(
          new DemoState(
              text(n, "email"),
              text(n, "password"),
              text(n, "org_id"),
              text(n, "app_id"),
              text(n, "app_name"),
              text(n, "secret_token"),
              text(n, "ci_token")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes the state readable by its owner only (where the file system has POSIX permissions),
   * through a temporary file and a rename, so a crash never leaves half a file.
   */
  void save(Path file) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("email", email);
    n.put("password", password);
    n.put("org_id", orgId);
    n.put("app_id", appId);
    n.put("app_name", appName);
    n.put("secret_token", secretToken);
    n.put("ci_token", ciToken);
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);

    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    }
    Files.write(tmp, bytes);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("no " + field);
    }
    return v.asText();
  }
}
