package io.upbeat.api.errors;

import java.util.Arrays;
import java.util.Optional;

/** The orders a list of groups can come in; each is descending, ties broken by id descending. */
enum Sort {
  LAST_SEEN("last_seen", true),
  COUNT("count", false),
  FIRST_SEEN("first_seen", true);

  private final String param;
  private final boolean time;

  Sort(String param, boolean time) {
    this.param = param;
    this.time = time;
  }

  /** The query parameter value, which is also the column name. */
  String param() {
    return param;
  }

  /** Whether the key is a timestamp (kept in cursors as epoch microseconds) or a count. */
  boolean isTime() {
    return time;
  }

  static Optional<Sort> of(String param) {
    return Arrays.stream(values()).filter(s -> s.param.equals(param)).findFirst();
  }
}
