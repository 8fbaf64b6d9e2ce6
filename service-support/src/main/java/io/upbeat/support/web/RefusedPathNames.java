package io.upbeat.support.web;

import java.util.Optional;

/**
 * Names what a path the container refused was meant to fill, so that its 400 can say {@code
 * "field": "version"} rather than just {@code path}. A service that knows its routes provides one
 * as a bean; {@link ContractErrorReportValve} asks it.
 */
@FunctionalInterface
public interface RefusedPathNames {
  /**
   * @param rawPath the request's path as sent, still %-encoded
   * @param badSegment the index of the first segment (after splitting on {@code /}, so index 0 is
   *     the empty text before the leading slash) that is not well-formed
   * @return the name of the path variable that segment would have been, if any route matches
   */
  Optional<String> variableAt(String rawPath, int badSegment);
}
