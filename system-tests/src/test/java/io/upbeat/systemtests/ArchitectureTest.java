package io.upbeat.systemtests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules, checked on the compiled main classes of every module: services never depend on
 * each other, the shared core modules stay free of Spring, the agent depends on nothing but the
 * JDK, and nobody reaches into another module's {@code internal} packages.
 */
class ArchitectureTest {
  /** Module directory -> its root package. */
  private static final Map<String, String> MODULES =
      Map.ofEntries(
          Map.entry("event-model", "io.upbeat.events"),
          Map.entry("metrics-model", "io.upbeat.metrics"),
          Map.entry("assignment", "io.upbeat.assignment"),
          Map.entry("storage-postgres", "io.upbeat.storage"),
          Map.entry("alerting", "io.upbeat.alerting"),
          Map.entry("service-support", "io.upbeat.support"),
          Map.entry("local-stack", "io.upbeat.localstack"),
          Map.entry("intake-service", "io.upbeat.intake"),
          Map.entry("processor-service", "io.upbeat.processor"),
          Map.entry("api-service", "io.upbeat.api"),
          Map.entry("agent-java", "io.upbeat.agent"));

  private static final List<String> SERVICES =
      List.of("io.upbeat.intake", "io.upbeat.processor", "io.upbeat.api");

  private static JavaClasses all;

  @BeforeAll
  static void importModules() {
    Path root = Repository.root();
    List<Path> dirs =
        MODULES.keySet().stream().map(m -> root.resolve(m).resolve("target/classes")).toList();
    assertThat(dirs)
        .as("every module is compiled before this test runs")
        .allMatch(Files::isDirectory);
    all = new ClassFileImporter().importPaths(dirs);
    assertThat(all.stream().anyMatch(c -> c.getPackageName().startsWith("io.upbeat.api"))).isTrue();
  }

  @Test
  void servicesNeverDependOnEachOther() {
    for (String service : SERVICES) {
      String[] others =
          SERVICES.stream()
              .filter(s -> !s.equals(service))
              .map(s -> s + "..")
              .toArray(String[]::new);
      noClasses()
          .that()
          .resideInAPackage(service + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(others)
          .because("services share code only through the small shared modules")
          .check(all);
    }
  }

  @Test
  void servicesAndSharedModulesNeverUseTheLocalStack() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.upbeat.localstack..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.upbeat.localstack..")
        .because("the embedded Kafka and PostgreSQL are for ./upbeat dev and tests only")
        .check(all);
  }

  @Test
  void coreModulesStayPlainJava() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.upbeat.events..",
            "io.upbeat.metrics..",
            "io.upbeat.assignment..",
            "io.upbeat.storage..",
            "io.upbeat.alerting..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework..")
        .because("codecs, schema and domain logic are usable and testable without Spring")
        .check(all);
  }

  @Test
  void sharedModulesNeverDependOnServices() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.upbeat.events..",
            "io.upbeat.metrics..",
            "io.upbeat.assignment..",
            "io.upbeat.storage..",
            "io.upbeat.alerting..",
            "io.upbeat.support..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.upbeat.intake..", "io.upbeat.processor..", "io.upbeat.api..")
        .check(all);
  }

  @Test
  void theAgentDependsOnNothingButTheJdkAndWhatItShades() {
    classes()
        .that()
        .resideInAPackage("io.upbeat.agent..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "io.upbeat.agent..", "java..", "javax..", "jdk..", "", "com.datadoghq.sketch..")
        .because(
            "the agent runs inside users' applications and must not clash with their libraries;"
                + " DDSketch is shaded and relocated into its jar")
        .allowEmptyShould(true)
        .check(all);
  }

  /** What applications get: the agent's jar holds DDSketch relocated, and nothing outside it. */
  @Test
  void theAgentJarShadesAndRelocatesDDSketch() throws Exception {
    java.nio.file.Path jar = Repository.root().resolve("agent-java/target/upbeat-agent.jar");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.Files.exists(jar), "agent-java is packaged before system-tests in a build");
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
      List<String> classes =
          zip.stream()
              .map(java.util.zip.ZipEntry::getName)
              .filter(n -> n.endsWith(".class"))
              .toList();
      org.assertj.core.api.Assertions.assertThat(classes)
          .allMatch(n -> n.startsWith("io/upbeat/agent/"))
          .anyMatch(n -> n.startsWith("io/upbeat/agent/shaded/sketch/ddsketch/DDSketch"));
      // The agent's own classes refer to the relocated copy only.
      byte[] metrics =
          zip.getInputStream(zip.getEntry("io/upbeat/agent/TransactionMetrics.class"))
              .readAllBytes();
      String constants = new String(metrics, java.nio.charset.StandardCharsets.ISO_8859_1);
      org.assertj.core.api.Assertions.assertThat(constants)
          .contains("io/upbeat/agent/shaded/sketch/ddsketch")
          .doesNotContain("com/datadoghq");
    }
  }

  @Test
  void nobodyReachesIntoAnotherModulesInternals() {
    for (String root : MODULES.values()) {
      noClasses()
          .that()
          .resideOutsideOfPackage(root + "..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(root + ".internal..")
          .allowEmptyShould(true)
          .check(all);
    }
  }
}
