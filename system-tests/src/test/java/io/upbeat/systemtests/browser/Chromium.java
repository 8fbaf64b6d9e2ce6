package io.upbeat.systemtests.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the browser tests find Chromium and its driver: Debian's packages {@code chromium} and
 * {@code chromium-driver} at their standard paths, unless {@code UPBEAT_CHROMIUM} and {@code
 * UPBEAT_CHROMEDRIVER} point elsewhere. Nothing is ever downloaded.
 */
public final class Chromium {
  public static final String MISSING =
      "Chromium not found: install Debian packages chromium and chromium-driver"
          + " (apt-get install chromium chromium-driver) to run the browser tests";

  private static final String DEFAULT_BINARY = "/usr/bin/chromium";
  private static final String DEFAULT_DRIVER = "/usr/bin/chromedriver";

  private Chromium() {}

  public static Path binary() {
    return Path.of(setting("UPBEAT_CHROMIUM", DEFAULT_BINARY));
  }

  public static Path driver() {
    return Path.of(setting("UPBEAT_CHROMEDRIVER", DEFAULT_DRIVER));
  }

  /** Whether both the browser and its driver are installed (as executables). */
  public static boolean installed() {
    return Files.isExecutable(binary()) && Files.isExecutable(driver());
  }

  /**
   * Whether this is a CI run ({@code CI} set, as CI services and {@code .ci/run} do), where a
   * browser test must run: a missing Chromium fails it instead of skipping it.
   */
  public static boolean inCi() {
    return inCi(System.getenv());
  }

  static boolean inCi(Map<String, String> env) {
    String ci = env.get("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
  }

  private static String setting(String env, String fallback) {
    String v = System.getenv(env);
    return v == null || v.isBlank() ? fallback : v;
  }
}
