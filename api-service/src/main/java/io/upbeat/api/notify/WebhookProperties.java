package io.upbeat.api.notify;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Webhooks.
 *
 * @param allowPrivateTargets allow loopback, private and link-local targets (self-hosting only:
 *     otherwise a tenant could make the platform call its internal network)
 * @param signingKey the key webhook secrets derive from (base64, at least 32 bytes); when unset,
 *     one is generated once and kept in the database so every instance signs alike
 * @param timeout connect and response timeout of one delivery
 */
@ConfigurationProperties("upbeat.webhooks")
record WebhookProperties(
    @DefaultValue("false") boolean allowPrivateTargets,
    String signingKey,
    @DefaultValue("5s") Duration timeout) {}
