package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/upbeat.json queries only metrics the services register: each name it uses is a
 * Micrometer name of the services' sources in Prometheus form (dots as underscores, with the suffix
 * Prometheus adds for counters, timers and base units). The processor's and intake's own tests
 * check the same names against a real scrape of /actuator/prometheus.
 */
class GrafanaDashboardTest {
  private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{");
  private static final Pattern METRIC = Pattern.compile("\\bupbeat_[a-z0-9_]+");
  private static final Pattern MICROMETER = Pattern.compile("\"(upbeat\\.[a-z0-9._]+)\"");
  private static final List<String> SUFFIXES =
      List.of(
          "",
          "_total",
          "_seconds_count",
          "_seconds_sum",
          "_seconds_max",
          "_seconds",
          "_buckets",
          "_rows");

  @Test
  void queriesOnlyMetricsTheServicesRegister() throws IOException {
    Path root = Repository.root();
    JsonNode dashboard =
        new ObjectMapper().readTree(root.resolve("deploy/grafana/upbeat.json").toFile());
    List<String> exprs = new ArrayList<>();
    collect(dashboard.path("panels"), exprs);
    assertThat(exprs).hasSizeGreaterThan(15);

    Set<String> registered = new HashSet<>();
    for (String module :
        List.of("intake-service", "processor-service", "api-service", "service-support")) {
      try (Stream<Path> files = Files.walk(root.resolve(module + "/src/main/java"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = MICROMETER.matcher(Files.readString(f));
          while (m.find()) {
            registered.add(m.group(1).replace('.', '_'));
          }
        }
      }
    }

    for (String expr : exprs) {
      Matcher selectors = SELECTOR.matcher(expr);
      while (selectors.find()) {
        assertThat(selectors.group(1)).as("a metric of Upbeat's in %s", expr).startsWith("upbeat_");
      }
      Matcher metrics = METRIC.matcher(expr);
      assertThat(metrics.find()).as("%s queries an Upbeat metric", expr).isTrue();
      metrics.reset();
      while (metrics.find()) {
        String name = metrics.group();
        assertThat(
                registered.stream()
                    .anyMatch(
                        r ->
                            r.endsWith("_")
                                ? name.startsWith(r)
                                : SUFFIXES.stream().anyMatch(s -> name.equals(r + s))))
            .as("%s (in %s) is registered by a service", name, expr)
            .isTrue();
      }
    }
  }

  /** Every panel's query, rows' panels included. */
  private static void collect(JsonNode panels, List<String> exprs) {
    for (JsonNode panel : panels) {
      panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
      collect(panel.path("panels"), exprs);
    }
  }
}
