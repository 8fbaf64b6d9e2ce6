package io.upbeat.storage.notify;

import java.util.UUID;

/**
 * What a notification says about its error group, as the outbox stores it (the {@code payload}
 * column): written by the processor (new errors, regressions) and by api-service (assignments),
 * read by api-service's notifier. This record is the one owner of that shape.
 *
 * @param release the release the event came with, null if unknown
 * @param environment the event's environment, null if unknown
 * @param assigneeEmail who the group is assigned to, null when nobody is
 * @param reason why it is assigned to them ("last touched ...", "assigned by ..."), null when
 *     nobody is
 */
public record NotificationPayload(
    UUID groupId,
    String type,
    String message,
    String culprit,
    String release,
    String environment,
    String assigneeEmail,
    String reason) {}
