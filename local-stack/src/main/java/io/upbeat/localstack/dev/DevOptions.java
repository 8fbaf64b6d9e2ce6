package io.upbeat.localstack.dev;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line of {@code ./upbeat dev}.
 *
 * @param home the repository root, where the service jars are built
 */
record DevOptions(
    Path home,
    Path dataDir,
    int apiPort,
    int intakePort,
    int processorPort,
    int apiManagementPort,
    int intakeManagementPort,
    boolean demo) {
  static final int DEFAULT_API_PORT = 8080;
  static final int DEFAULT_INTAKE_PORT = 8200;
  static final int DEFAULT_PROCESSOR_PORT = 8081;
  static final int DEFAULT_API_MANAGEMENT_PORT = 9080;
  static final int DEFAULT_INTAKE_MANAGEMENT_PORT = 9280;

  static final String USAGE =
      """
      Usage: ./upbeat dev [--data-dir DIR] [--api-port N] [--intake-port N] [--processor-port N]
                          [--api-management-port N] [--intake-management-port N] [--demo]

        --data-dir DIR              where PostgreSQL, Kafka and logs keep their data (default: .upbeat)
        --api-port N                api-service port (default: 8080)
        --intake-port N             intake-service port (default: 8200)
        --processor-port N          processor-service health and metrics port (default: 8081)
        --api-management-port N     api-service metrics and actuator port (default: 9080)
        --intake-management-port N  intake-service metrics and actuator port (default: 9280)
        --demo                      also create a demo account and send sample traffic
      """;

  DevOptions {
    requirePort("--api-port", apiPort);
    requirePort("--intake-port", intakePort);
    requirePort("--processor-port", processorPort);
    requirePort("--api-management-port", apiManagementPort);
    requirePort("--intake-management-port", intakeManagementPort);
    // The compact constructor sees its parameters, not yet the fields ports() reads.
    Map<String, Integer> ports =
        ports(apiPort, intakePort, processorPort, apiManagementPort, intakeManagementPort);
    if (ports.values().stream().distinct().count() != ports.size()) {
      throw new IllegalArgumentException("ports must differ: " + ports);
    }
  }

  /** Every port the services listen on, by the name of its option (without "--" and "-port"). */
  Map<String, Integer> ports() {
    return ports(apiPort, intakePort, processorPort, apiManagementPort, intakeManagementPort);
  }

  private static Map<String, Integer> ports(
      int api, int intake, int processor, int apiManagement, int intakeManagement) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    ports.put("api", api);
    ports.put("intake", intake);
    ports.put("processor", processor);
    ports.put("api-management", apiManagement);
    ports.put("intake-management", intakeManagement);
    return ports;
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
    int apiManagement = DEFAULT_API_MANAGEMENT_PORT;
    int intakeManagement = DEFAULT_INTAKE_MANAGEMENT_PORT;
    boolean demo = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "--data-dir" -> dataDir = home.resolve(value(args, ++i, arg));
        case "--api-port" -> api = port(args, ++i, arg);
        case "--intake-port" -> intake = port(args, ++i, arg);
        case "--processor-port" -> processor = port(args, ++i, arg);
        case "--api-management-port" -> apiManagement = port(args, ++i, arg);
        case "--intake-management-port" -> intakeManagement = port(args, ++i, arg);
        case "--demo" -> demo = true;
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      }
    }
    return new DevOptions(
        home, dataDir.normalize(), api, intake, processor, apiManagement, intakeManagement, demo);
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
