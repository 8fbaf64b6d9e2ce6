package io.upbeat.localstack.dev;

import java.nio.file.Path;
import java.util.List;

/**
 * The command line of {@code ./upbeat dev}.
 *
 * @param home the repository root, where the service jars are built
 */
record DevOptions(
    Path home, Path dataDir, int apiPort, int intakePort, int processorPort, boolean demo) {
  static final int DEFAULT_API_PORT = 8080;
  static final int DEFAULT_INTAKE_PORT = 8200;
  static final int DEFAULT_PROCESSOR_PORT = 8081;

  static final String USAGE =
      """
      Usage: ./upbeat dev [--data-dir DIR] [--api-port N] [--intake-port N] [--processor-port N] [--demo]

        --data-dir DIR        where PostgreSQL, Kafka and logs keep their data (default: .upbeat)
        --api-port N          api-service port (default: 8080)
        --intake-port N       intake-service port (default: 8200)
        --processor-port N    processor-service health and metrics port (default: 8081)
        --demo                also create a demo account and send sample traffic
      """;

  DevOptions {
    requirePort("--api-port", apiPort);
    requirePort("--intake-port", intakePort);
    requirePort("--processor-port", processorPort);
    if (apiPort == intakePort || apiPort == processorPort || intakePort == processorPort) {
      throw new IllegalArgumentException(
          "ports must differ: api=%d intake=%d processor=%d"
              .formatted(apiPort, intakePort, processorPort));
    }
  }

  /**
   * Parses {@code args} (after the {@code dev} word).
   *
   * @throws IllegalArgumentException with a message for the user when an argument is wrong
   */
  static DevOptions parse(Path home, List<String> args) {
    Path dataDir = home.resolve(".upbeat");
    int api = DEFAULT_API_PORT;
    int intake = DEFAULT_INTAKE_PORT;
    int processor = DEFAULT_PROCESSOR_PORT;
    boolean demo = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "--data-dir" -> dataDir = home.resolve(value(args, ++i, arg));
        case "--api-port" -> api = port(args, ++i, arg);
        case "--intake-port" -> intake = port(args, ++i, arg);
        case "--processor-port" -> processor = port(args, ++i, arg);
        case "--demo" -> demo = true;
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      }
    }
    return new DevOptions(home, dataDir.normalize(), api, intake, processor, demo);
  }

  private static String value(List<String> args, int i, String flag) {
    if (i >= args.size() || args.get(i).startsWith("--")) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args.get(i);
  }

  private static int port(List<String> args, int i, String flag) {
    String v = value(args, i, flag);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a port number, not: " + v);
    }
  }

  private static void requirePort(String flag, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(flag + " must be between 1 and 65535, not: " + port);
    }
  }
}
