package io.upbeat.spring;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The agent's settings under {@code upbeat.*}; unset ones fall back to the {@code UPBEAT_*}
 * environment variables, and the service name to {@code spring.application.name}.
 *
 * @param enabled set false to keep the agent off
 * @param serverUrl intake's base URL; without it (and without {@code UPBEAT_SERVER_URL}) the agent
 *     stays off
 * @param secretToken the app's secret token
 * @param serviceName the service's name
 * @param environment e.g. {@code production}
 * @param serviceVersion the running release's version
 * @param appPackages package prefixes of the application's code; default: the application's own
 *     package (where {@code @SpringBootApplication} is)
 * @param samplesPerMinute transactions of each name sent in full (with spans) per minute; every
 *     transaction is counted in the metrics either way (default 10)
 * @param metricsInterval how often the aggregated transaction metrics are sent (default 10 s)
 * @param tracesPerSecond new traces this service samples per second at most (default 10): a sampled
 *     trace is kept in full by every service it crosses
 * @param traceSampleRate the probability that a new trace beyond {@code tracesPerSecond} is sampled
 *     anyway (default 0)
 */
@ConfigurationProperties("upbeat")
public record UpbeatProperties(
    Boolean enabled,
    String serverUrl,
    String secretToken,
    String serviceName,
    String environment,
    String serviceVersion,
    List<String> appPackages,
    Integer samplesPerMinute,
    java.time.Duration metricsInterval,
    Double tracesPerSecond,
    Double traceSampleRate) {}
