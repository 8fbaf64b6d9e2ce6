package io.upbeat.api.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the api-service sees its HTTP clients.
 *
 * @param trustedProxies addresses ({@code 10.0.0.7}, {@code ::1}) and CIDR blocks ({@code
 *     10.0.0.0/8}, {@code fd00::/8}) of the reverse proxies in front of the API; only a request
 *     whose TCP peer is one of them has its client address taken from {@code X-Forwarded-For}.
 *     Empty (the default): the header is ignored, as anyone can send it.
 */
@ConfigurationProperties("upbeat.http")
public record HttpProperties(@DefaultValue List<String> trustedProxies) {
  public HttpProperties {
    trustedProxies = List.copyOf(trustedProxies);
  }
}
