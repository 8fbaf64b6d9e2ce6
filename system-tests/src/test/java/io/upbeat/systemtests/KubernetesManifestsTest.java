package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/kubernetes, checked without a cluster: every environment variable is a setting the service
 * reads ({@link ServiceSettings}), every port is the one it listens on, every reference (Secret and
 * ConfigMap keys, Service ports, selectors, the autoscaler's target) resolves, and every container
 * has probes on the actuator's health groups and resource requests and limits.
 */
class KubernetesManifestsTest {
  private static final Map<String, String> MODULES =
      Map.of(
          "upbeat/api-service", "api-service",
          "upbeat/intake-service", "intake-service",
          "upbeat/processor-service", "processor-service");
  private static final Map<String, ServiceSettings> settings = new HashMap<>();
  private static final List<Map<String, Object>> objects = new ArrayList<>();
  private static final List<Map<String, Object>> tasks = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    Path dir = Repository.root().resolve("deploy/kubernetes");
    objects.addAll(loadAll(dir));
    tasks.addAll(loadAll(dir.resolve("tasks")));
    MODULES.values().forEach(m -> settings.put(m, new ServiceSettings(m)));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> loadAll(Path dir) throws IOException {
    List<Map<String, Object>> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (Reader in = Files.newBufferedReader(f)) {
          for (Object doc : new Yaml().loadAll(in)) {
            if (doc != null) {
              all.add((Map<String, Object>) doc);
            }
          }
        }
      }
    }
    return all;
  }

  @Test
  void deploysTheThreeServicesWithServicesAndDisruptionBudgetsAndMigratesInAJob() {
    assertThat(names("Deployment"))
        .containsExactlyInAnyOrder("upbeat-api", "upbeat-intake", "upbeat-processor");
    assertThat(names("Service"))
        .containsExactlyInAnyOrder("upbeat-api", "upbeat-intake", "upbeat-processor");
    assertThat(names("PodDisruptionBudget"))
        .containsExactlyInAnyOrder("upbeat-api", "upbeat-intake", "upbeat-processor");
    assertThat(names("HorizontalPodAutoscaler")).containsExactly("upbeat-intake");
    assertThat(names("Job")).containsExactly("upbeat-migrate");
    assertThat(containers(job("upbeat-migrate", objects)).getFirst().get("args"))
        .isEqualTo(List.of("--upbeat.task=migrate"));
    assertThat(containers(job("upbeat-republish-tokens", tasks)).getFirst().get("args"))
        .isEqualTo(List.of("--upbeat.task=republish-tokens"));
  }

  @Test
  void everyEnvironmentVariableIsASettingTheServiceReads() {
    for (Map<String, Object> workload : workloads()) {
      for (Map<String, Object> container : containers(workload)) {
        ServiceSettings service = service(container);
        for (Map<String, Object> env : list(container, "env")) {
          assertThat(service.reads((String) env.get("name")))
              .as("%s in %s: a setting %s reads", env.get("name"), name(workload), service.module())
              .isTrue();
        }
      }
    }
  }

  @Test
  void everyPortIsTheOneTheServiceListensOn() {
    for (Map<String, Object> deployment : of("Deployment")) {
      Map<String, Object> container = containers(deployment).getFirst();
      ServiceSettings service = service(container);
      Map<String, Integer> ports = ports(container);
      assertThat(ports.get("http"))
          .as("%s http", name(deployment))
          .isEqualTo(service.yaml("server.port"));
      assertThat(ports.get("management"))
          .as("%s management", name(deployment))
          .isEqualTo(service.yaml("management.server.port"));
      Map<String, String> env = env(container);
      assertThat(env.get("SERVER_PORT")).isEqualTo(String.valueOf(ports.get("http")));
      assertThat(env.get("MANAGEMENT_SERVER_PORT"))
          .isEqualTo(
              ports.get("management") == null ? null : String.valueOf(ports.get("management")));
      Map<String, Object> annotations = map(map(template(deployment), "metadata"), "annotations");
      assertThat(annotations.get("prometheus.io/port"))
          .as("metrics are on the management port, else on the server port")
          .isEqualTo(
              String.valueOf(
                  Objects.requireNonNullElse(ports.get("management"), ports.get("http"))));
    }
  }

  @Test
  void probesTheHealthGroupsAndLimitsResources() {
    for (Map<String, Object> deployment : of("Deployment")) {
      Map<String, Object> container = containers(deployment).getFirst();
      Map<String, Integer> ports = ports(container);
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        Map<String, Object> get = map(map(container, probe), "httpGet");
        assertThat(get.get("path"))
            .as("%s %s", name(deployment), probe)
            .isEqualTo(
                probe.equals("readinessProbe")
                    ? "/actuator/health/readiness"
                    : "/actuator/health/liveness");
        assertThat(ports).containsKey((String) get.get("port"));
      }
    }
    for (Map<String, Object> workload : workloads()) {
      for (Map<String, Object> container : containers(workload)) {
        Map<String, Object> resources = map(container, "resources");
        for (String kind : List.of("requests", "limits")) {
          assertThat(map(resources, kind))
              .as("%s %s", name(workload), kind)
              .containsKeys("cpu", "memory");
        }
      }
    }
  }

  @Test
  void everyReferenceResolves() {
    Map<String, Map<String, Object>> secrets = new HashMap<>();
    of("Secret").forEach(s -> secrets.put(name(s), map(s, "stringData")));
    Map<String, Map<String, Object>> configMaps = new HashMap<>();
    of("ConfigMap").forEach(c -> configMaps.put(name(c), map(c, "data")));
    for (Map<String, Object> workload : workloads()) {
      for (Map<String, Object> container : containers(workload)) {
        for (Map<String, Object> env : list(container, "env")) {
          if (env.get("valueFrom") instanceof Map<?, ?> from) {
            ref(from, "secretKeyRef", secrets, env);
            ref(from, "configMapKeyRef", configMaps, env);
          }
        }
      }
    }
    for (Map<String, Object> service : of("Service")) {
      Map<String, Object> selector = map(map(service, "spec"), "selector");
      Map<String, Object> deployment = deploymentSelectedBy(selector);
      Map<String, Integer> ports = ports(containers(deployment).getFirst());
      for (Map<String, Object> port : list(map(service, "spec"), "ports")) {
        assertThat(ports)
            .as("%s targetPort", name(service))
            .containsKey((String) port.get("targetPort"));
        assertThat(port.get("port")).isEqualTo(ports.get((String) port.get("targetPort")));
      }
    }
    for (Map<String, Object> pdb : of("PodDisruptionBudget")) {
      deploymentSelectedBy(map(map(map(pdb, "spec"), "selector"), "matchLabels"));
    }
    Map<String, Object> target =
        map(map(of("HorizontalPodAutoscaler").getFirst(), "spec"), "scaleTargetRef");
    assertThat(target).containsEntry("kind", "Deployment").containsEntry("name", "upbeat-intake");
  }

  private static void ref(
      Map<?, ?> from,
      String kind,
      Map<String, Map<String, Object>> known,
      Map<String, Object> env) {
    if (from.get(kind) instanceof Map<?, ?> ref) {
      assertThat(known).as("%s of %s", kind, env.get("name")).containsKey((String) ref.get("name"));
      assertThat(known.get((String) ref.get("name")))
          .as("%s of %s", kind, env.get("name"))
          .containsKey((String) ref.get("key"));
    }
  }

  private static Map<String, Object> deploymentSelectedBy(Map<String, Object> selector) {
    return of("Deployment").stream()
        .filter(
            d ->
                map(map(template(d), "metadata"), "labels")
                    .entrySet()
                    .containsAll(selector.entrySet()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Deployment's pods match " + selector));
  }

  private static ServiceSettings service(Map<String, Object> container) {
    String image = (String) container.get("image");
    String module = MODULES.get(image.substring(0, image.lastIndexOf(':')));
    assertThat(module).as("the image %s is one of the services'", image).isNotNull();
    return settings.get(module);
  }

  private static Map<String, Integer> ports(Map<String, Object> container) {
    Map<String, Integer> ports = new HashMap<>();
    list(container, "ports")
        .forEach(p -> ports.put((String) p.get("name"), (Integer) p.get("containerPort")));
    return ports;
  }

  private static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> env = new HashMap<>();
    list(container, "env").forEach(e -> env.put((String) e.get("name"), (String) e.get("value")));
    return env;
  }

  private static List<Map<String, Object>> workloads() {
    List<Map<String, Object>> all = new ArrayList<>(of("Deployment"));
    all.addAll(of("Job"));
    tasks.stream().filter(t -> "Job".equals(t.get("kind"))).forEach(all::add);
    return all;
  }

  private static Map<String, Object> job(String name, List<Map<String, Object>> in) {
    return in.stream()
        .filter(o -> "Job".equals(o.get("kind")) && name.equals(name(o)))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, Object> template(Map<String, Object> workload) {
    return map(map(workload, "spec"), "template");
  }

  private static List<Map<String, Object>> containers(Map<String, Object> workload) {
    return list(map(template(workload), "spec"), "containers");
  }

  private static List<Map<String, Object>> of(String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  private static List<String> names(String kind) {
    return of(kind).stream().map(KubernetesManifestsTest::name).toList();
  }

  private static String name(Map<String, Object> object) {
    return (String) map(object, "metadata").get("name");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertThat(value).as(key).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    return value == null ? List.of() : (List<Map<String, Object>>) value;
  }
}
