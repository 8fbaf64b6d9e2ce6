package io.upbeat.api.audit;

/** What an audit event records; {@link #code()} is what the API shows. */
public enum AuditAction {
  SIGN_IN_FAILED("sign_in.failed"),
  APP_CREATED("app.created"),
  APP_DELETED("app.deleted"),
  TOKEN_ROTATED("app.token_rotated"),
  APPLICATION_PACKAGES_CHANGED("app.application_packages_changed"),
  SCRUBBING_KEYS_CHANGED("app.scrubbing_keys_changed"),
  WEBHOOK_CREATED("webhook.created"),
  ALERT_RULE_CREATED("alert_rule.created"),
  ALERT_RULE_CHANGED("alert_rule.changed"),
  ALERT_RULE_DELETED("alert_rule.deleted"),
  WEBHOOK_DELETED("webhook.deleted"),
  OWNERSHIP_RULES_CHANGED("ownership_rules.changed"),
  INVITATION_CREATED("invitation.created"),
  INVITATION_RESENT("invitation.resent"),
  INVITATION_REVOKED("invitation.revoked"),
  INVITATION_ACCEPTED("invitation.accepted"),
  MEMBER_ROLE_CHANGED("member.role_changed"),
  MEMBER_REMOVED("member.removed"),
  MEMBER_LEFT("member.left"),
  API_KEY_CREATED("api_key.created"),
  API_KEY_REVOKED("api_key.revoked"),
  SESSIONS_REVOKED("sessions.revoked"),
  ORG_DELETED("org.deleted"),
  USER_DELETED("user.deleted"),
  ERRORS_MERGED("error.merged"),
  ERRORS_UNMERGED("error.unmerged");

  private final String code;

  AuditAction(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
