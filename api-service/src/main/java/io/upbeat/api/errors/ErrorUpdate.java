package io.upbeat.api.errors;

import io.upbeat.api.accounts.Emails;
import io.upbeat.api.params.Problems;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A validated {@code PATCH .../errors/{group_id}} body. Read from the JSON tree rather than bound
 * to a record, because an absent {@code assignee_email} (leave as is) and a null one (unassign)
 * mean different things.
 *
 * @param status the new status, or null to leave it
 * @param assigneeGiven whether the body named {@code assignee_email} at all
 * @param assigneeEmail the normalized new assignee, or null to unassign
 * @param ignoreUntil with status {@code ignored}, when the processor reopens the group; null for
 *     ignored until a person changes it
 */
record ErrorUpdate(
    String status, boolean assigneeGiven, String assigneeEmail, IgnoreUntil ignoreUntil) {
  /** The longest ignore by time: a year. */
  static final long MAX_MINUTES = 525_600;

  /** The largest count to wait for. */
  static final long MAX_COUNT = 1_000_000_000L;

  /** One of: {@code {"count": N}}, {@code {"minutes": M}}, {@code {"next_release": true}}. */
  record IgnoreUntil(Long count, Long minutes, boolean nextRelease) {}

  /**
   * @throws ApiException 400 naming each bad field, or saying that no known field was given
   */
  static ErrorUpdate parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The request body must be a JSON object.",
          List.of(new Detail("$", "must be an object")));
    }
    JsonNode status = body.get("status");
    JsonNode email = body.get("assignee_email");
    if (status == null && email == null) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "Give status, assignee_email or both.",
          List.of(new Detail("$", "must contain status or assignee_email")));
    }
    Problems problems = new Problems();
    String newStatus = null;
    if (status != null) {
      newStatus = status(status.isString() ? status.stringValue() : null, problems);
    }
    String newEmail = null;
    if (email != null && !email.isNull()) {
      newEmail = email(email.isString() ? email.stringValue() : null, problems);
    }
    IgnoreUntil until = null;
    JsonNode ignore = body.get("ignore_until");
    if (ignore != null && !ignore.isNull()) {
      until = ignoreUntil(ignore, problems);
      if (until != null && !"ignored".equals(newStatus)) {
        problems.add("ignore_until", "only with status ignored");
      }
    }
    problems.throwIfAny("The request is invalid.");
    return new ErrorUpdate(newStatus, email != null, newEmail, until);
  }

  private static IgnoreUntil ignoreUntil(JsonNode node, Problems problems) {
    String shape = "must be {\"count\": N}, {\"minutes\": M} or {\"next_release\": true}";
    if (!node.isObject() || node.size() != 1) {
      problems.add("ignore_until", shape);
      return null;
    }
    JsonNode count = node.get("count");
    JsonNode minutes = node.get("minutes");
    JsonNode next = node.get("next_release");
    if (count != null) {
      if (count.isIntegralNumber() && count.canConvertToLong()) {
        long n = count.longValue();
        if (n >= 1 && n <= MAX_COUNT) {
          return new IgnoreUntil(n, null, false);
        }
      }
      problems.add("ignore_until.count", "must be an integer from 1 to " + MAX_COUNT);
      return null;
    }
    if (minutes != null) {
      if (minutes.isIntegralNumber() && minutes.canConvertToLong()) {
        long m = minutes.longValue();
        if (m >= 1 && m <= MAX_MINUTES) {
          return new IgnoreUntil(null, m, false);
        }
      }
      problems.add("ignore_until.minutes", "must be an integer from 1 to " + MAX_MINUTES);
      return null;
    }
    if (next != null) {
      if (next.isBoolean() && next.booleanValue()) {
        return new IgnoreUntil(null, null, true);
      }
      problems.add("ignore_until.next_release", "must be true");
      return null;
    }
    problems.add("ignore_until", shape);
    return null;
  }

  /**
   * The same change from a dashboard form ({@code status=...}, {@code assignee_email=...}), by the
   * same rules: an absent field leaves its value, an empty {@code assignee_email} unassigns.
   *
   * @throws ApiException 400 naming each bad field, or saying that neither was given
   */
  static ErrorUpdate fromForm(String status, String assigneeEmail) {
    if (status == null && assigneeEmail == null) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "Give status, assignee_email or both.",
          List.of(new Detail("$", "must contain status or assignee_email")));
    }
    Problems problems = new Problems();
    String newStatus = status == null ? null : status(status, problems);
    String newEmail =
        assigneeEmail == null || assigneeEmail.isBlank() ? null : email(assigneeEmail, problems);
    problems.throwIfAny("The request is invalid.");
    return new ErrorUpdate(newStatus, assigneeEmail != null, newEmail, null);
  }

  private static String status(String value, Problems problems) {
    if (value != null && ListQuery.STATUSES.contains(value)) {
      return value;
    }
    problems.add("status", "must be unresolved, resolved or ignored");
    return null;
  }

  private static String email(String value, Problems problems) {
    if (Emails.isValid(value) && !Problems.hasControlCharacter(value)) {
      return Emails.normalize(value);
    }
    problems.add("assignee_email", "must be an e-mail address, or null to unassign");
    return null;
  }
}
