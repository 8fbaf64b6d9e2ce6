package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: every service, port,
 * dependency, health check and setting the services need is there and consistent.
 */
class ComposeFileTest {
  private static Map<String, Object> services;
  private static String dockerfile;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    Path root = Repository.root();
    try (Reader in = Files.newBufferedReader(root.resolve("docker-compose.yml"))) {
      Map<String, Object> compose = new Yaml().load(in);
      services = (Map<String, Object>) compose.get("services");
      assertThat((Map<String, Object>) compose.get("volumes"))
          .containsKeys("kafka-data", "postgres-data");
    }
    dockerfile = Files.readString(root.resolve("Dockerfile"));
  }

  @Test
  void runsKafkaInKraftModeAndPostgres17WithPersistentVolumes() {
    assertThat(services).containsOnlyKeys("kafka", "postgres", "api", "intake", "processor");
    assertThat(string("kafka", "image")).startsWith("apache/kafka:");
    Map<String, Object> kafkaEnv = map("kafka", "environment");
    assertThat(kafkaEnv.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
    assertThat((String) kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS")).contains("kafka:9092");
    assertThat(String.valueOf(kafkaEnv.get("CLUSTER_ID"))).hasSize(22);
    assertThat(list("kafka", "volumes")).anyMatch(v -> v.toString().startsWith("kafka-data:"));
    assertThat(string("postgres", "image")).isEqualTo("postgres:17");
    assertThat(list("postgres", "volumes"))
        .anyMatch(v -> v.toString().startsWith("postgres-data:"));
    for (String infra : List.of("kafka", "postgres")) {
      assertThat(map(infra, "healthcheck")).containsKey("test");
    }
  }

  @Test
  void publishesTheContractPorts() {
    // The management ports (metrics) only on the host's loopback, never on every interface.
    assertThat(list("api", "ports")).containsExactly("8080:8080", "127.0.0.1:9080:9080");
    assertThat(list("intake", "ports")).containsExactly("8200:8200", "127.0.0.1:9280:9280");
    assertThat(list("processor", "ports")).containsExactly("8081:8081");
  }

  @Test
  void givesEachServiceTheSettingsItNeeds() {
    assertThat(map("api", "environment"))
        .containsKeys(
            "SPRING_DATASOURCE_URL",
            "SPRING_DATASOURCE_USERNAME",
            "SPRING_DATASOURCE_PASSWORD",
            "SPRING_KAFKA_BOOTSTRAP_SERVERS")
        .containsEntry("SERVER_PORT", 8080);
    assertThat(map("processor", "environment"))
        .containsKeys(
            "SPRING_DATASOURCE_URL",
            "SPRING_DATASOURCE_USERNAME",
            "SPRING_DATASOURCE_PASSWORD",
            "SPRING_KAFKA_BOOTSTRAP_SERVERS")
        .containsEntry("SERVER_PORT", 8081);
    // Intake never touches the database.
    assertThat(map("intake", "environment"))
        .containsKey("SPRING_KAFKA_BOOTSTRAP_SERVERS")
        .doesNotContainKey("SPRING_DATASOURCE_URL")
        .containsEntry("SERVER_PORT", 8200);
    for (String service : List.of("api", "processor")) {
      assertThat((String) map(service, "environment").get("SPRING_DATASOURCE_URL"))
          .isEqualTo("jdbc:postgresql://postgres:5432/upbeat");
    }
    for (String service : List.of("api", "intake", "processor")) {
      assertThat(map(service, "environment").get("SPRING_KAFKA_BOOTSTRAP_SERVERS"))
          .isEqualTo("kafka:9092");
    }
  }

  @Test
  void everyEnvironmentVariableIsASettingTheServiceReads() {
    Map<String, String> modules =
        Map.of("api", "api-service", "intake", "intake-service", "processor", "processor-service");
    modules.forEach(
        (service, module) -> {
          ServiceSettings settings = new ServiceSettings(module);
          for (String name : map(service, "environment").keySet()) {
            assertThat(settings.reads(name)).as("%s in %s", name, service).isTrue();
          }
          // The ports published are the ones the service listens on.
          Object port = map(service, "environment").get("SERVER_PORT");
          assertThat(port).isEqualTo(settings.yaml("server.port"));
          assertThat(map(service, "environment").get("MANAGEMENT_SERVER_PORT"))
              .isEqualTo(settings.yaml("management.server.port"));
        });
  }

  @Test
  void startsServicesOnlyOnHealthyDependencies() {
    assertThat(dependsOnHealthy("api")).containsExactlyInAnyOrder("postgres", "kafka");
    assertThat(dependsOnHealthy("intake")).containsExactly("kafka");
    // The processor validates the schema that api-service (its owner) migrates.
    assertThat(dependsOnHealthy("processor")).containsExactlyInAnyOrder("postgres", "kafka", "api");
  }

  @Test
  void probesEachServiceReadiness() {
    Map<String, String> ports = Map.of("api", "8080", "intake", "8200", "processor", "8081");
    ports.forEach(
        (service, port) ->
            assertThat(map(service, "healthcheck").get("test").toString())
                .contains("http://127.0.0.1:" + port + "/actuator/health/readiness"));
  }

  @Test
  void servesMetricsOnManagementPorts() {
    assertThat(map("api", "environment")).containsEntry("MANAGEMENT_SERVER_PORT", 9080);
    assertThat(map("intake", "environment")).containsEntry("MANAGEMENT_SERVER_PORT", 9280);
    // The processor serves nothing but its actuator: all of it on its one port.
    assertThat(map("processor", "environment")).doesNotContainKey("MANAGEMENT_SERVER_PORT");
  }

  @Test
  void buildsEachServiceFromTheRepositoryDockerfile() {
    Map<String, String> modules =
        Map.of("api", "api-service", "intake", "intake-service", "processor", "processor-service");
    modules.forEach(
        (service, module) -> {
          Map<String, Object> build = map(service, "build");
          assertThat(build.get("context")).isEqualTo(".");
          assertThat(build.get("args")).isEqualTo(Map.of("SERVICE", module));
          assertThat(Files.isDirectory(Repository.root().resolve(module))).isTrue();
        });
  }

  @Test
  void dockerfileIsMultiStageOnJava21AndRunsAsNonRoot() {
    List<String> froms = dockerfile.lines().filter(l -> l.startsWith("FROM ")).toList();
    assertThat(froms).hasSize(2);
    assertThat(froms.get(0)).startsWith("FROM eclipse-temurin:21-jdk");
    assertThat(froms.get(1)).startsWith("FROM eclipse-temurin:21-jre");
    List<String> users = dockerfile.lines().filter(l -> l.startsWith("USER ")).toList();
    assertThat(users).containsExactly("USER upbeat");
    assertThat(dockerfile).contains("ENTRYPOINT");
  }

  @SuppressWarnings("unchecked")
  private static List<String> dependsOnHealthy(String service) {
    Map<String, Object> deps = map(service, "depends_on");
    deps.values()
        .forEach(
            d ->
                assertThat(((Map<String, Object>) d).get("condition"))
                    .isEqualTo("service_healthy"));
    return List.copyOf(deps.keySet());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(String service, String key) {
    Object value = ((Map<String, Object>) services.get(service)).get(key);
    assertThat(value).as("%s.%s", service, key).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(String service, String key) {
    Object value = ((Map<String, Object>) services.get(service)).get(key);
    assertThat(value).as("%s.%s", service, key).isInstanceOf(List.class);
    return (List<Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static String string(String service, String key) {
    return String.valueOf(((Map<String, Object>) services.get(service)).get(key));
  }
}
