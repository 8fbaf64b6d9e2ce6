package io.upbeat.api.notify;

import java.util.Map;
import java.util.UUID;

/**
 * What a notification says, in e-mail and webhook form.
 *
 * @param text the e-mail's plain text (without the link)
 * @param webhookBody the webhook's JSON body
 */
record Message(
    UUID id,
    String kind,
    String subject,
    String text,
    String link,
    Map<String, Object> webhookBody) {}
