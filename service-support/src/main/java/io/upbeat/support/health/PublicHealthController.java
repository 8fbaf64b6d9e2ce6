package io.upbeat.support.health;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.ApiVersion;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointWebExtension;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /actuator/health} and its {@code liveness} and {@code readiness} groups on the public port
 * of a service whose actuator lives on a management port of its own.
 *
 * <p>Metrics and the other actuator endpoints describe the installation, so they are served only on
 * the management port, which a firewall keeps inside. Load balancers and orchestrators, though,
 * probe the port they route to: these three answers stay there, with the same status codes (200, or
 * 503 when down) as the actuator's, and only statuses in the body (the service's and, as {@code
 * management.endpoint.health.show-components} says, its components'), never details.
 */
@RestController
public class PublicHealthController {
  private final HealthEndpointWebExtension health;

  public PublicHealthController(HealthEndpointWebExtension health) {
    this.health = health;
  }

  @GetMapping(path = "/actuator/health", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> health() {
    return answer(
        health.health(ApiVersion.LATEST, WebServerNamespace.SERVER, SecurityContext.NONE));
  }

  // Two fixed paths rather than one with a variable: there is nothing else to ask for here.
  @GetMapping(path = "/actuator/health/liveness", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> liveness() {
    return group("liveness");
  }

  @GetMapping(path = "/actuator/health/readiness", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> readiness() {
    return group("readiness");
  }

  private ResponseEntity<Map<String, Object>> group(String group) {
    return answer(
        health.health(ApiVersion.LATEST, WebServerNamespace.SERVER, SecurityContext.NONE, group));
  }

  private static ResponseEntity<Map<String, Object>> answer(
      WebEndpointResponse<HealthDescriptor> response) {
    if (response.getBody() == null) {
      return ResponseEntity.status(response.getStatus()).build();
    }
    return ResponseEntity.status(response.getStatus()).body(statuses(response.getBody()));
  }

  private static Map<String, Object> statuses(HealthDescriptor descriptor) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", descriptor.getStatus().getCode());
    if (descriptor instanceof CompositeHealthDescriptor composite
        && composite.getComponents() != null) {
      Map<String, Object> components = new LinkedHashMap<>();
      composite.getComponents().forEach((name, child) -> components.put(name, statuses(child)));
      body.put("components", components);
    }
    return body;
  }
}
