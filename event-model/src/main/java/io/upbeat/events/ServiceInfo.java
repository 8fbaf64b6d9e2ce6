package io.upbeat.events;

import java.util.Objects;

/**
 * The service that sent a batch, as its agent describes it.
 *
 * @param environment never null: {@code production} when the agent sent none
 * @param version the release the events belong to, or null
 */
public record ServiceInfo(
    String name,
    String environment,
    String version,
    String agentName,
    String agentVersion,
    String language,
    String host) {
  public static final String DEFAULT_ENVIRONMENT = "production";

  public ServiceInfo {
    Objects.requireNonNull(name, "name");
    environment = environment == null ? DEFAULT_ENVIRONMENT : environment;
  }
}
