package io.upbeat.agent;

/** What the API hands out when the agent is not started: does nothing, safely. */
enum NoopTransaction implements Transaction, Span, Transaction.Scope {
  INSTANCE;

  @Override
  public Transaction setName(String name) {
    return this;
  }

  @Override
  public Transaction setResult(String result) {
    return this;
  }

  @Override
  public NoopTransaction setOutcome(Outcome outcome) {
    return this;
  }

  @Override
  public Transaction setUser(String id) {
    return this;
  }

  @Override
  public Transaction setUser(String id, String email, String name) {
    return this;
  }

  @Override
  public Transaction setRequest(String method, String url, java.util.Map<String, String> headers) {
    return this;
  }

  @Override
  public Transaction setTag(String key, String value) {
    return this;
  }

  @Override
  public Span startSpan(String name, String type) {
    return this;
  }

  @Override
  public Span setDestination(String destination) {
    return this;
  }

  @Override
  public String traceparent() {
    return null;
  }

  @Override
  public String tracestate() {
    return null;
  }

  @Override
  public String traceId() {
    return null;
  }

  @Override
  public boolean isSampled() {
    return false;
  }

  @Override
  public void captureException(Throwable error) {}

  @Override
  public Transaction detach() {
    return this;
  }

  @Override
  public Scope activate() {
    return this;
  }

  @Override
  public void end() {}

  @Override
  public boolean isNoop() {
    return true;
  }

  @Override
  public void close() {}
}
