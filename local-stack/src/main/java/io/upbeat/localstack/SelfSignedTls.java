package io.upbeat.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A key store with a self-signed certificate for {@code 127.0.0.1} and {@code localhost}, and a
 * trust store holding that certificate, both PKCS12: what a test needs to run a TLS listener on
 * loopback and have clients verify it (host name checking included: the certificate names the
 * address in its subject alternative names). Made with the running JDK's {@code keytool}, as an
 * operator would make them, so no certificate code lives here.
 *
 * @param keyStore the server's key and certificate
 * @param trustStore the certificate alone, for clients
 * @param password the password of both stores and of the key
 */
public record SelfSignedTls(Path keyStore, Path trustStore, String password) {
  private static final String ALIAS = "upbeat-local";

  /** Makes both stores in {@code dir} (created if missing), valid for two days. */
  public static SelfSignedTls create(Path dir) {
    String password = "local-" + Long.toHexString(System.nanoTime());
    Path keyStore = dir.resolve("server.p12");
    Path certificate = dir.resolve("server.pem");
    Path trustStore = dir.resolve("trust.p12");
    try {
      Files.createDirectories(dir);
      keytool(
          "-genkeypair",
          "-alias",
          ALIAS,
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=127.0.0.1",
          "-ext",
          "SAN=ip:127.0.0.1,dns:localhost",
          "-validity",
          "2",
          "-storetype",
          "PKCS12",
          "-keystore",
          keyStore.toString(),
          "-storepass",
          password,
          "-keypass",
          password);
      keytool(
          "-exportcert",
          "-rfc",
          "-alias",
          ALIAS,
          "-keystore",
          keyStore.toString(),
          "-storepass",
          password,
          "-file",
          certificate.toString());
      keytool(
          "-importcert",
          "-noprompt",
          "-alias",
          ALIAS,
          "-file",
          certificate.toString(),
          "-storetype",
          "PKCS12",
          "-keystore",
          trustStore.toString(),
          "-storepass",
          password);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make TLS stores in " + dir, e);
    }
    return new SelfSignedTls(keyStore, trustStore, password);
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("keytool " + args[0] + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while running keytool", e);
    }
  }
}
