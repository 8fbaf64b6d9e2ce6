package io.upbeat.api.notify;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Notification delivery.
 *
 * @param publicUrl where people open Upbeat, for links in e-mails and webhooks
 * @param emailFrom the sender of notification e-mails
 * @param emailInterval at most one e-mail per group and recipient within this interval
 * @param maxAttempts attempts per delivery before it is marked failed
 * @param lease how long a claimed delivery is reserved for the worker sending it
 * @param retryBackoff the wait after a first failed attempt, doubled after each further one (at
 *     most an hour)
 */
@ConfigurationProperties("upbeat.notifications")
record NotifyProperties(
    @DefaultValue("http://localhost:8080") String publicUrl,
    @DefaultValue("upbeat@localhost") String emailFrom,
    @DefaultValue("1h") Duration emailInterval,
    @DefaultValue("8") int maxAttempts,
    @DefaultValue("60s") Duration lease,
    @DefaultValue("10s") Duration retryBackoff) {}
