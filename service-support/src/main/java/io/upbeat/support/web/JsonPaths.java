package io.upbeat.support.web;

import java.util.List;
import tools.jackson.core.JacksonException;

/** Renders Jackson's location of a problem as the contract's field path. */
final class JsonPaths {
  private JsonPaths() {}

  /** {@code transactions[3].duration_ms}; empty for the top-level value. */
  static String render(List<JacksonException.Reference> path) {
    StringBuilder sb = new StringBuilder();
    for (JacksonException.Reference ref : path) {
      if (ref.getPropertyName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  /**
   * {@code fooBarBaz} as {@code foo_bar_baz}: Java names of bound fields as the API spells them.
   */
  static String snakeCase(String javaName) {
    StringBuilder sb = new StringBuilder(javaName.length() + 4);
    for (int i = 0; i < javaName.length(); i++) {
      char c = javaName.charAt(i);
      if (Character.isUpperCase(c)) {
        sb.append('_').append(Character.toLowerCase(c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
