package io.upbeat.agent;

import java.net.URI;

/**
 * What every instrumented HTTP client names its exit spans by, so that the JDK client and the
 * Spring clients (in the starter) record calls alike: type {@value #HTTP}, destination {@code
 * host:port}, outcome by the status.
 */
public final class ExitSpans {
  /** The type of an outgoing HTTP call's span. */
  public static final String HTTP = "external.http";

  private ExitSpans() {}

  /**
   * {@code host:port} of a call to {@code uri}, the port defaulted from the scheme when the URI has
   * none ({@code unknown} for a URI without a host).
   */
  public static String destination(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      return "unknown";
    }
    int port = uri.getPort();
    if (port < 0) {
      port = "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
    return host + ":" + port;
  }

  /**
   * Starts the exit span of an HTTP call within {@code t}: named {@code METHOD host:port}, with
   * that destination. Give the request {@link Span#traceparent()} and {@link
   * Transaction#tracestate()}, and the span its {@link #outcome} when the answer comes.
   */
  public static Span start(Transaction t, String method, URI uri) {
    String destination = destination(uri);
    return t.startSpan(method + " " + destination, HTTP).setDestination(destination);
  }

  /** A call's outcome from its HTTP status: a failure from 400 on, as the callee saw it fail. */
  public static Transaction.Outcome outcome(int status) {
    return status >= 400 ? Transaction.Outcome.FAILURE : Transaction.Outcome.SUCCESS;
  }
}
