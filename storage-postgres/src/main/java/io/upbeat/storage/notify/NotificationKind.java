package io.upbeat.storage.notify;

/** What happened, as stored in {@code notifications.kind} and named to webhook subscribers. */
public enum NotificationKind {
  NEW_ERROR("new_error"),
  REGRESSION("regression"),
  ASSIGNED("assigned"),
  /** An alert rule fired or resolved: delivered to the rule's own actions. */
  ALERT("alert");

  private final String code;

  NotificationKind(String code) {
    this.code = code;
  }

  /** The stored and published name. */
  public String code() {
    return code;
  }

  /**
   * The kind stored as {@code code}.
   *
   * @throws IllegalArgumentException for a name this build does not know
   */
  public static NotificationKind of(String code) {
    for (NotificationKind k : values()) {
      if (k.code.equals(code)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown notification kind " + code);
  }
}
