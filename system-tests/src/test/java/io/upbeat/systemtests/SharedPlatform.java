package io.upbeat.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * One {@code ./upbeat dev} shared by the system tests that need nothing but a running platform:
 * each of them signs up its own account and creates its own apps, as strangers sharing one
 * installation do, so they also show that tenants do not see each other's data. Started on first
 * use, stopped with SIGTERM (so it stops its PostgreSQL) when the test run ends, whichever test
 * engine ran the classes (Jupiter, jqwik): each start costs about 25 s of the suite's time.
 *
 * <p>It keeps every trace in full ({@code UPBEAT_INTAKE_SAMPLES_TRACE_RATE=1}): the agent tests
 * send single requests, each a trace of its own, and read their samples. Tests about the trace rate
 * itself, and those that stop, kill or reconfigure the platform, start their own.
 */
final class SharedPlatform {
  private static UpbeatDev platform;
  private static Path dataDir;

  private SharedPlatform() {}

  /** The running platform, started now if this is its first use. */
  static synchronized UpbeatDev get() {
    if (platform == null || !platform.process.isAlive()) {
      try {
        dataDir = Files.createTempDirectory("upbeat-shared");
        platform = UpbeatDev.start(dataDir, Map.of("UPBEAT_INTAKE_SAMPLES_TRACE_RATE", "1"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return platform;
  }

  /** Its data directory (PostgreSQL's files, the e-mails it "sent" in {@code mail/}). */
  static synchronized Path dataDir() {
    get();
    return dataDir;
  }

  static synchronized void stop() {
    if (platform == null) {
      return;
    }
    try {
      platform.shutDown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      platform.close();
      platform = null;
      delete(dataDir);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.out.println("[shared platform] left " + dir + ": " + e);
    }
  }

  /** Stops the platform when the launcher session (the whole test run) closes. */
  public static final class Closer implements LauncherSessionListener {
    @Override
    public void launcherSessionClosed(LauncherSession session) {
      stop();
    }
  }
}
