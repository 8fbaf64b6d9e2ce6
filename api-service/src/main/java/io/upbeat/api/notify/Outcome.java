package io.upbeat.api.notify;

/**
 * How one delivery attempt went: sent, or why not.
 *
 * @param status the receiver's HTTP status for a webhook, null otherwise
 * @param error what went wrong, for the deliveries log; null when sent
 */
record Outcome(boolean ok, Integer status, String error) {
  static Outcome sent(Integer status) {
    return new Outcome(true, status, null);
  }

  static Outcome failed(Integer status, String error) {
    return new Outcome(false, status, error);
  }
}
