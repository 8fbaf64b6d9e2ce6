package io.upbeat.localstack.dev;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The demo's user, org and app, created once and then found again through {@code demo.json}.
 *
 * @param apiKey a fresh API key of the demo user, for this run's calls
 * @param created whether this run created the account (rather than reusing the stored one)
 */
record DemoAccount(DemoState state, String apiKey, boolean created) {
  static final String EMAIL = "demo@example.com";
  static final String APP_NAME = "shop";
  private static final SecureRandom RANDOM = new SecureRandom();
  // No look-alikes (0/O, 1/l/I): the password is typed from a terminal.
  private static final String PASSWORD_ALPHABET =
      "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";

  /**
   * The stored account when it still signs in and owns its app (with any token that no longer works
   * rotated, and the file updated), else a new account, stored.
   */
  static DemoAccount ensure(DemoApi api, Path stateFile, PrintStream out) throws IOException {
    Optional<DemoState> stored = DemoState.load(stateFile);
    if (stored.isPresent()) {
      DemoState s = stored.get();
      Optional<String> key = api.login(s.email(), s.password());
      if (key.isPresent() && api.appExists(key.get(), s.appId())) {
        DemoState fresh = withWorkingTokens(api, s, key.get());
        if (!fresh.equals(s)) {
          fresh.save(stateFile);
        }
        return new DemoAccount(fresh, key.get(), false);
      }
      out.println(
          "DEMO the account in "
              + stateFile
              + " is not in this database (was it reset?); creating a new one");
    }
    DemoState created = create(api);
    created.save(stateFile);
    verify(api, created.email(), stateFile.resolveSibling("mail"), out);
    String key = api.login(created.email(), created.password()).orElseThrow();
    return new DemoAccount(created, key, true);
  }

  private static DemoState create(DemoApi api) {
    String password = randomPassword();
    String email = EMAIL;
    Optional<JsonNode> signup = api.signup(email, password, "Demo User", "Demo");
    if (signup.isEmpty()) {
      // The database has a demo user this data directory has no password for: a new address,
      // never a takeover.
      email = "demo-" + HexFormat.of().formatHex(randomBytes(4)) + "@example.com";
      signup = Optional.of(api.signup(email, password, "Demo User", "Demo").orElseThrow());
    }
    String key = signup.get().path("api_key").asText();
    String orgId = signup.get().path("org").path("id").asText();
    JsonNode app = api.createApp(key, orgId, APP_NAME);
    return new DemoState(
        email,
        password,
        orgId,
        app.path("id").asText(),
        APP_NAME,
        app.path("secret_token").asText(),
        app.path("ci_token").asText());
  }

  /**
   * Verifies the demo address with the link sign-up mailed to it, read from the dev mail directory
   * (where e-mails go when no SMTP host is set), so the demo user gets notification e-mails like a
   * real one. With SMTP set, the link went out by mail and the user verifies it as anyone would.
   */
  private static void verify(DemoApi api, String email, Path mailDir, PrintStream out) {
    Pattern link = Pattern.compile("/verify-email\\?token=(ub_ver_[A-Za-z0-9_-]{43})");
    String token = null;
    try (Stream<Path> files = Files.exists(mailDir) ? Files.list(mailDir) : Stream.empty()) {
      for (Path f : files.filter(p -> p.toString().endsWith(".eml")).sorted().toList()) {
        // Undo quoted-printable soft line breaks and the encoded '=', should the text be encoded.
        String raw =
            Files.readString(f, StandardCharsets.ISO_8859_1)
                .replaceAll("=\\r?\\n", "")
                .replace("=3D", "=");
        if (!raw.toLowerCase(Locale.ROOT).contains("to: " + email.toLowerCase(Locale.ROOT))) {
          continue;
        }
        Matcher m = link.matcher(raw);
        if (m.find()) {
          token = m.group(1);
        }
      }
    } catch (IOException e) {
      out.println("DEMO could not read " + mailDir + " (" + e.getMessage() + ")");
    }
    if (token != null && api.verifyEmail(token)) {
      out.println("DEMO verified " + email + " with the link mailed to " + mailDir);
    } else {
      out.println(
          "DEMO "
              + email
              + " is not verified (no link in "
              + mailDir
              + "): follow the mailed link");
    }
  }

  /** Rotates a stored token that no longer works (someone rotated it in the dashboard). */
  private static DemoState withWorkingTokens(DemoApi api, DemoState s, String apiKey) {
    DemoState fresh = s;
    if (!api.intakeAccepts(s.secretToken())) {
      fresh = fresh.withSecretToken(api.rotate(apiKey, s.appId(), "secret"));
    }
    if (!api.ciTokenWorks(s.ciToken(), s.appId())) {
      fresh = fresh.withCiToken(api.rotate(apiKey, s.appId(), "ci"));
    }
    return fresh;
  }

  static String randomPassword() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      b.append(PASSWORD_ALPHABET.charAt(RANDOM.nextInt(PASSWORD_ALPHABET.length())));
    }
    return b.toString();
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
