package io.upbeat.alerting;

/** A database failure while reading or evaluating rules: the run is retried by the next one. */
public final class AlertingException extends RuntimeException {
  public AlertingException(String what, Throwable cause) {
    super(what + " failed", cause);
  }
}
