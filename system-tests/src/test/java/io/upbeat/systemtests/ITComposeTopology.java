package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.localstack.junit.TestHttp;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Smoke test of docker-compose.yml on a real Docker engine: the images build, and every service
 * becomes ready. Skipped (not failed) where no engine runs, as on CI here; {@link ComposeFileTest}
 * checks the file's content everywhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class ITComposeTopology {
  private static final Map<String, Integer> SERVICES =
      Map.of("api", 8080, "intake", 8200, "processor", 8081);

  @Container static final ComposeContainer compose = topology();

  private static ComposeContainer topology() {
    ComposeContainer c =
        new ComposeContainer(Repository.root().resolve("docker-compose.yml").toFile())
            .withBuild(true)
            .withStartupTimeout(Duration.ofMinutes(15));
    SERVICES.forEach(
        (service, port) ->
            c.withExposedService(
                service,
                port,
                Wait.forHttp("/actuator/health/readiness")
                    .forStatusCode(200)
                    .withStartupTimeout(Duration.ofMinutes(15))));
    return c;
  }

  @Test
  void everyServiceBecomesReady() {
    SERVICES.forEach(
        (service, port) -> {
          String url =
              "http://%s:%d/actuator/health"
                  .formatted(
                      compose.getServiceHost(service, port), compose.getServicePort(service, port));
          assertThat(TestHttp.get(url).body()).contains("\"status\":\"UP\"");
        });
  }
}
