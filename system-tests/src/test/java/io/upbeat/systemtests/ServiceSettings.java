package io.upbeat.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * What one service reads, worked out from the repository and Spring Boot's own metadata, so that
 * deployment files (docker-compose.yml, the Kubernetes manifests) can be checked against it: an
 * environment variable that no setting of the service binds to is a typo, not a setting.
 *
 * <p>A variable is known when, in Spring's environment-variable form (upper case, {@code _} for
 * {@code .}, no {@code -}), it is: a key of the service's application.yaml or of the shared
 * defaults; a Spring Boot setting (from the metadata of Boot's modules) of a group the service
 * configures (spring.kafka, spring.datasource, spring.mail, server, management...), or under a map
 * setting such as {@code spring.kafka.properties}; or an {@code upbeat.*} setting of the service's
 * own sources (a {@code @ConfigurationProperties} record's component, or a {@code ${...}}
 * placeholder).
 */
final class ServiceSettings {
  private static final Pattern PROPERTIES =
      Pattern.compile(
          "@ConfigurationProperties\\(\"([a-z0-9.-]+)\"\\)\\s*(?:public\\s+)?record\\s+\\w+\\s*\\(([^{]*?)\\)\\s*(?:implements[^{]*)?\\{",
          Pattern.DOTALL);
  private static final Pattern COMPONENT = Pattern.compile("([A-Za-z0-9_.<>]+)\\s+(\\w+)\\s*$");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9.-]+)[:}]");
  private static Map<String, Boolean> boot;

  private final String module;
  private final Map<String, Object> yaml;
  private final Set<String> exact = new HashSet<>();
  private final Set<String> prefixes = new HashSet<>();
  private final Set<String> groups = new HashSet<>();

  /**
   * @param module the service's module: api-service, intake-service or processor-service
   */
  ServiceSettings(String module) {
    this.module = module;
    Path root = Repository.root();
    yaml = flatten(load(root.resolve(module + "/src/main/resources/application.yaml")));
    Map<String, Object> defaults =
        flatten(
            load(root.resolve("service-support/src/main/resources/upbeat-service-defaults.yaml")));
    for (String key : concat(yaml.keySet(), defaults.keySet())) {
      exact.add(env(key));
      groups.add(group(key));
    }
    for (Path sources :
        List.of(
            root.resolve(module + "/src/main/java"),
            root.resolve("service-support/src/main/java"))) {
      readSources(sources);
    }
    bootMetadata()
        .forEach(
            (name, isMap) -> {
              if (groups.contains(group(name))) {
                exact.add(env(name));
                if (isMap) {
                  addPrefix(name);
                }
              }
            });
  }

  /**
   * Whether the service reads the environment variable {@code name}. Spring accepts a dash of the
   * property's name as nothing or as {@code _} (SPRING_KAFKA_BOOTSTRAP_SERVERS).
   */
  boolean reads(String name) {
    return exact.contains(name.replace("_", "")) || prefixes.stream().anyMatch(name::startsWith);
  }

  /** Under a map or nested setting: its variables start with the setting's, then {@code _}. */
  private void addPrefix(String property) {
    String upper = property.toUpperCase(java.util.Locale.ROOT).replace(".", "_");
    prefixes.add(upper.replace("-", "") + "_");
    prefixes.add(upper.replace("-", "_") + "_");
  }

  /** A setting of the service's application.yaml, or null. */
  Object yaml(String key) {
    return yaml.get(key);
  }

  String module() {
    return module;
  }

  /**
   * A property name as an environment variable, its separators dropped: {@link #reads} compares
   * names without them too, since a variable's underscores may stand for dots or dashes.
   */
  static String env(String property) {
    return property.toUpperCase(java.util.Locale.ROOT).replace(".", "").replace("-", "");
  }

  /** spring.kafka.x -> spring.kafka; server.port -> server. */
  private static String group(String key) {
    String[] parts = key.split("\\.");
    return parts[0].equals("spring") && parts.length > 1 ? parts[0] + "." + parts[1] : parts[0];
  }

  private void readSources(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String source = Files.readString(f);
        Matcher m = PROPERTIES.matcher(source);
        while (m.find()) {
          String prefix = m.group(1);
          for (String component : splitComponents(m.group(2))) {
            Matcher c = COMPONENT.matcher(component.replaceAll("@\\w+(\\([^)]*\\))?", "").trim());
            if (c.find()) {
              String name = prefix + "." + kebab(c.group(2));
              exact.add(env(name));
              addPrefix(name); // nested records and maps: their own keys below
            }
          }
        }
        Matcher p = PLACEHOLDER.matcher(source);
        while (p.find()) {
          exact.add(env(p.group(1)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A record header's components, split on the commas outside generics and annotations. */
  private static List<String> splitComponents(String header) {
    List<String> parts = new java.util.ArrayList<>();
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (char ch : header.toCharArray()) {
      if (ch == '<' || ch == '(') {
        depth++;
      } else if (ch == '>' || ch == ')') {
        depth--;
      }
      if (ch == ',' && depth == 0) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(ch);
      }
    }
    if (!current.toString().isBlank()) {
      parts.add(current.toString());
    }
    return parts;
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }

  /** Every Spring Boot setting on the classpath's metadata: name -> whether it is a map. */
  private static synchronized Map<String, Boolean> bootMetadata() {
    if (boot == null) {
      Map<String, Boolean> all = new HashMap<>();
      ObjectMapper json = new ObjectMapper();
      try {
        for (URL url :
            Collections.list(
                ServiceSettings.class
                    .getClassLoader()
                    .getResources("META-INF/spring-configuration-metadata.json"))) {
          try (InputStream in = url.openStream()) {
            for (JsonNode p : json.readTree(in).path("properties")) {
              all.put(p.path("name").asText(), p.path("type").asText().startsWith("java.util.Map"));
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!all.containsKey("server.port") || !all.containsKey("spring.kafka.bootstrap-servers")) {
        throw new IllegalStateException("Spring Boot's metadata is not on the classpath");
      }
      boot = all;
    }
    return boot;
  }

  private static Map<String, Object> load(Path file) {
    try (Reader in = Files.newBufferedReader(file)) {
      Map<String, Object> map = new Yaml().load(in);
      return map == null ? Map.of() : map;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> flatten(Map<String, Object> tree) {
    Map<String, Object> flat = new LinkedHashMap<>();
    tree.forEach(
        (k, v) -> {
          if (v instanceof Map<?, ?> m) {
            flatten((Map<String, Object>) m).forEach((kk, vv) -> flat.put(k + "." + kk, vv));
          } else {
            flat.put(k, v);
          }
        });
    return flat;
  }

  private static Set<String> concat(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
