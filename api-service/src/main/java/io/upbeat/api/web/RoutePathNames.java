package io.upbeat.api.web;

import io.upbeat.support.web.RefusedPathNames;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Names the path variable of a path the container refused, from the API's own routes: the bad
 * segment is replaced by a placeholder, and the most specific route that matches the result says
 * which variable the placeholder landed in ({@code /api/v1/apps/{appId}/releases/{version}}).
 */
@Component
class RoutePathNames implements RefusedPathNames {
  private static final String PLACEHOLDER = "upbeat-refused-segment";

  private final RequestMappingHandlerMapping mappings;

  RoutePathNames(@Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mappings) {
    this.mappings = mappings;
  }

  @Override
  public Optional<String> variableAt(String rawPath, int badSegment) {
    String[] segments = rawPath.split("/", -1);
    if (badSegment <= 0 || badSegment >= segments.length) {
      return Optional.empty();
    }
    segments[badSegment] = PLACEHOLDER;
    PathContainer path = PathContainer.parsePath(String.join("/", segments));
    return mappings.getHandlerMethods().keySet().stream()
        .map(RequestMappingInfo::getPathPatternsCondition)
        .filter(Objects::nonNull)
        .flatMap(c -> c.getPatterns().stream())
        .filter(p -> p.matches(path))
        .min(Comparator.comparing(p -> p, PathPattern.SPECIFICITY_COMPARATOR))
        .flatMap(p -> variableHolding(p.matchAndExtract(path)));
  }

  private static Optional<String> variableHolding(PathPattern.PathMatchInfo match) {
    if (match == null) {
      return Optional.empty();
    }
    return match.getUriVariables().entrySet().stream()
        .filter(e -> PLACEHOLDER.equals(e.getValue()))
        .map(Map.Entry::getKey)
        .findFirst();
  }
}
