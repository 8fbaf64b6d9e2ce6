package io.upbeat.alerting;

import java.util.List;
import java.util.UUID;

/**
 * An alert rule as stored (without its evaluation state).
 *
 * @param environment the only environment whose data it reads; null for all
 * @param emailTo members' addresses to mail; with {@code isDefault} and no webhooks an empty list
 *     means "as before rules existed" (the assignee, else the org's owners)
 * @param webhookIds webhooks of the same app to post to
 * @param cooldownMinutes after a notified firing, no further firing is notified for this long
 */
public record Rule(
    UUID id,
    UUID appId,
    String name,
    String environment,
    Condition condition,
    List<String> emailTo,
    List<UUID> webhookIds,
    int cooldownMinutes,
    boolean isDefault) {
  public Rule {
    emailTo = List.copyOf(emailTo);
    webhookIds = List.copyOf(webhookIds);
  }

  /**
   * A default rule nobody has given actions yet: it notifies as the fixed notifications did (the
   * assignee or the owners, and webhooks subscribed to the kind).
   */
  public boolean actsAsBefore() {
    return isDefault && emailTo.isEmpty() && webhookIds.isEmpty();
  }
}
