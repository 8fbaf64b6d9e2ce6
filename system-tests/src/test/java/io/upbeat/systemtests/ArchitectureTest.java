package io.upbeat.systemtests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The module rules, checked on the compiled main classes of every module: services never depend on
 * each other, the shared core modules stay free of Spring, the agent depends on nothing but the
 * JDK, the starter on nothing but the agent and Spring, the example app uses Upbeat only as users
 * do (through the agent), and nothing ships depending on the benchmarks or the example.
 *
 * <p>Every rule must be able to fail: {@link #everyRuleFailsOnClassesThatBreakIt} checks each one
 * against fixture classes (test sources, packages {@code ...archfixture}) built to break it.
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
          Map.entry("agent-java", "io.upbeat.agent"),
          Map.entry("agent-spring-boot-starter", "io.upbeat.spring"),
          Map.entry("example-app", "io.upbeat.example"),
          Map.entry("bench", "io.upbeat.bench"));

  private static final List<String> SERVICES =
      List.of("io.upbeat.intake", "io.upbeat.processor", "io.upbeat.api");

  private static final String[] SHARED = {
    "io.upbeat.events..",
    "io.upbeat.metrics..",
    "io.upbeat.assignment..",
    "io.upbeat.storage..",
    "io.upbeat.alerting..",
    "io.upbeat.support.."
  };

  /** Every rule, by name. */
  static final Map<String, ArchRule> RULES = rules();

  private static Map<String, ArchRule> rules() {
    Map<String, ArchRule> rules = new LinkedHashMap<>();
    for (String service : SERVICES) {
      String[] others =
          SERVICES.stream()
              .filter(s -> !s.equals(service))
              .map(s -> s + "..")
              .toArray(String[]::new);
      rules.put(
          "services never depend on each other: " + service,
          noClasses()
              .that()
              .resideInAPackage(service + "..")
              .should()
              .dependOnClassesThat()
              .resideInAnyPackage(others)
              .because("services share code only through the small shared modules"));
    }
    rules.put(
        "only tools use the local stack",
        noClasses()
            .that()
            .resideOutsideOfPackages("io.upbeat.localstack..", "io.upbeat.bench..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.upbeat.localstack..")
            .because(
                "the embedded Kafka and PostgreSQL are for ./upbeat dev, benchmarks and tests"));
    rules.put(
        "core modules stay plain Java",
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
            .because("codecs, schema and domain logic are usable and testable without Spring"));
    rules.put(
        "shared modules never depend on services",
        noClasses()
            .that()
            .resideInAnyPackage(SHARED)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.upbeat.intake..", "io.upbeat.processor..", "io.upbeat.api.."));
    rules.put(
        "the agent depends on nothing but the JDK and what it shades",
        classes()
            .that()
            .resideInAPackage("io.upbeat.agent..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                "io.upbeat.agent..", "java..", "javax..", "jdk..", "", "com.datadoghq.sketch..")
            .because(
                "the agent runs inside users' applications and must not clash with their"
                    + " libraries; DDSketch is shaded and relocated into its jar"));
    rules.put(
        "the starter depends on nothing but the agent and Spring",
        classes()
            .that()
            .resideInAPackage("io.upbeat.spring..")
            // bench holds a benchmark in the starter's package, to reach its package-private parts
            .and(notIn("bench"))
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                "io.upbeat.spring..",
                "io.upbeat.agent..",
                "org.springframework..",
                // WebClient's own types, used only when the application has WebFlux.
                "reactor.core.publisher..",
                "jakarta..",
                "org.jspecify..",
                "java..",
                "javax..",
                "jdk..",
                "")
            .because("applications add the starter beside their own Spring Boot and nothing else"));
    List<String> notForTheExample = new ArrayList<>(List.of(SHARED));
    SERVICES.forEach(s -> notForTheExample.add(s + ".."));
    notForTheExample.add("io.upbeat.localstack..");
    rules.put(
        "the example app uses Upbeat only through the agent",
        noClasses()
            .that()
            .resideInAPackage("io.upbeat.example..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(notForTheExample.toArray(String[]::new))
            .because("it shows what a user's application does, and users have only the agent"));
    rules.put(
        "nothing depends on the benchmarks or the example",
        noClasses()
            .that()
            .resideOutsideOfPackages("io.upbeat.bench..", "io.upbeat.example..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.upbeat.bench..", "io.upbeat.example..")
            .because("they are tools and a demo, never shipped inside a service or the agent"));
    return rules;
  }

  /** Classes not compiled in module {@code dir} (fixtures, compiled in no module, included). */
  private static DescribedPredicate<JavaClass> notIn(String dir) {
    String classes = "/" + dir + "/target/classes/";
    return DescribedPredicate.describe(
        "are not in module " + dir,
        c -> c.getSource().map(src -> !src.getUri().toString().contains(classes)).orElse(true));
  }

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
    for (String rootPackage : MODULES.values()) {
      assertThat(all.stream().anyMatch(c -> c.getPackageName().startsWith(rootPackage)))
          .as("classes of %s imported", rootPackage)
          .isTrue();
    }
  }

  static Stream<String> ruleNames() {
    return RULES.keySet().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ruleNames")
  void everyModuleKeepsTheRule(String rule) {
    RULES.get(rule).check(all);
  }

  /** A rule that no class could break would pass whatever the code did. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("ruleNames")
  void everyRuleFailsOnClassesThatBreakIt(String rule) {
    JavaClasses fixtures =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
            .importPackages(
                "io.upbeat.intake.archfixture",
                "io.upbeat.processor.archfixture",
                "io.upbeat.api.archfixture",
                "io.upbeat.events.archfixture",
                "io.upbeat.agent.archfixture",
                "io.upbeat.spring.archfixture",
                "io.upbeat.example.archfixture",
                "io.upbeat.localstack.archfixture",
                "io.upbeat.bench.archfixture",
                "org.springframework.archfixture");
    assertThat(fixtures).as("fixture classes found").isNotEmpty();
    assertThatThrownBy(() -> RULES.get(rule).check(fixtures))
        .as("rule %s fails on classes that break it", rule)
        .isInstanceOf(AssertionError.class);
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
      // The agent's own classes refer to the relocated copy only (StripedTimings holds the
      // sketches of both the transaction and the destination metrics).
      byte[] metrics =
          zip.getInputStream(zip.getEntry("io/upbeat/agent/StripedTimings.class")).readAllBytes();
      String constants = new String(metrics, java.nio.charset.StandardCharsets.ISO_8859_1);
      org.assertj.core.api.Assertions.assertThat(constants)
          .contains("io/upbeat/agent/shaded/sketch/ddsketch")
          .doesNotContain("com/datadoghq");
    }
  }
}
