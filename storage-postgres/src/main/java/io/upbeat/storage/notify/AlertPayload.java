package io.upbeat.storage.notify;

import java.time.Instant;
import java.util.UUID;

/**
 * What an alert notification says (kind {@code alert} in the outbox): written by the processor's
 * evaluator (and by its triage for new-error and regression rules), read by api-service's notifier
 * for the e-mail and the webhook body, and the same fields as the rule's events in the API. This
 * record is the one owner of that shape.
 *
 * @param state {@code firing} or {@code resolved}
 * @param at the end of the minute whose data decided it, or the event's time for new errors and
 *     regressions
 * @param value the measured value (milliseconds, percent, errors, transactions per minute); null
 *     when the minute had no data (a resolve after traffic stopped) or for new errors
 * @param condition the rule's condition in words, e.g. "p95 of GET /users above 500 ms for 3
 *     minutes"
 * @param release the release of the events (error rules) or the app's latest release then
 * @param groupId the error group (error rules), else null
 * @param suspectSha the group's suspect commit, null when unknown or not an error rule
 * @param assigneeEmail who the group is assigned to, null when nobody is
 */
public record AlertPayload(
    UUID ruleId,
    String ruleName,
    String kind,
    String state,
    Instant at,
    Double value,
    String condition,
    String environment,
    String release,
    UUID groupId,
    String suspectSha,
    String assigneeEmail) {}
