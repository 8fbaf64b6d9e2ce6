package io.upbeat.api.params;

import io.upbeat.events.Rfc3339;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects what is wrong with a request's parameters, so one 400 names every bad one. Strings that
 * PostgreSQL would refuse (a NUL character) are caught here, never in the database.
 */
public final class Problems {
  private final List<Detail> details = new ArrayList<>();

  public void add(String field, String problem) {
    details.add(new Detail(field, problem));
  }

  /** An RFC 3339 date-time, or null if absent; a problem if given but not one. */
  public Instant timestamp(String field, String value) {
    if (value == null) {
      return null;
    }
    Instant parsed = Rfc3339.parse(value);
    if (parsed == null || parsed.isBefore(Times.EARLIEST) || parsed.isAfter(Times.LATEST)) {
      add(field, "must be an RFC 3339 date-time such as 2026-11-26T10:15:30Z");
      return null;
    }
    return parsed;
  }

  /** Free text, or null if absent; a problem if empty or containing control characters. */
  public String text(String field, String value, int maxLength) {
    if (value == null) {
      return null;
    }
    if (value.isEmpty() || value.length() > maxLength || hasControlCharacter(value)) {
      add(field, "must be 1 to " + maxLength + " characters without control characters");
      return null;
    }
    return value;
  }

  /**
   * A selected environment: null for all (absent or blank, as a cleared filter sends it), else
   * checked like any text of at most 100 characters.
   */
  public String environment(String value) {
    return value == null || value.isBlank() ? null : text("environment", value, 100);
  }

  /** An integer in [min, max], or {@code otherwise} if absent. */
  public int integer(String field, String value, int min, int max, int otherwise) {
    if (value == null) {
      return otherwise;
    }
    if (!value.isEmpty()
        && value.length() <= 9
        && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    }
    add(field, "must be an integer from " + min + " to " + max);
    return otherwise;
  }

  public static boolean hasControlCharacter(String s) {
    return s.chars().anyMatch(Character::isISOControl);
  }

  /** Throws the 400 naming every problem in query parameters, if there is any. */
  public void throwIfAny() {
    throwIfAny(
        details.size() == 1
            ? "The parameter " + details.getFirst().field() + " is invalid."
            : "Some parameters are invalid.");
  }

  /** Throws the 400 with this message and every problem, if there is any. */
  public void throwIfAny(String message) {
    if (!details.isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_PAYLOAD, message, details);
    }
  }
}
