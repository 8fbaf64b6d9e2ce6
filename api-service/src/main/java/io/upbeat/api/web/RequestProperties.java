package io.upbeat.api.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits on what a client may send to the API and the dashboard.
 *
 * @param maxBodySize the largest request body, counted while reading (also for chunked bodies
 *     without Content-Length); a larger one is refused with 413 before anything is parsed
 */
@ConfigurationProperties("upbeat.api.requests")
public record RequestProperties(@DefaultValue("1MB") DataSize maxBodySize) {
  public RequestProperties {
    if (maxBodySize.toBytes() <= 0 || maxBodySize.toBytes() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "upbeat.api.requests.max-body-size must be 1 byte to 2 GiB: " + maxBodySize);
    }
  }
}
