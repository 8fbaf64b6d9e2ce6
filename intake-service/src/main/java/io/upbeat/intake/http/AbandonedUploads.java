package io.upbeat.intake.http;

import io.upbeat.intake.validate.DeadlineInputStream;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Duration;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

/**
 * Bodies abandoned because their read deadline passed. After the answer, Tomcat would otherwise
 * read ("swallow") the rest of the declared body, up to {@code max-swallow-size}, so that the
 * client can read the answer: a client trickling one byte at a time would hold the request thread
 * long after its 400. For an abandoned body, {@link Valve} tells Tomcat not to swallow and to close
 * the connection once the answer is written.
 */
public final class AbandonedUploads {
  static final String ATTRIBUTE = AbandonedUploads.class.getName();

  private AbandonedUploads() {}

  /** The request's body, failing reads once {@code timeout} has passed and marking it abandoned. */
  public static DeadlineInputStream deadline(HttpServletRequest request, Duration timeout)
      throws IOException {
    return new DeadlineInputStream(
        request.getInputStream(),
        timeout,
        System::nanoTime,
        () -> request.setAttribute(ATTRIBUTE, Boolean.TRUE));
  }

  /** The Tomcat valve that acts on the mark; add it to the context's pipeline. */
  public static org.apache.catalina.Valve valve() {
    return new Valve();
  }

  /** Acts on the mark once the application has answered. */
  private static final class Valve extends ValveBase {
    Valve() {
      super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
      try {
        getNext().invoke(request, response);
      } finally {
        if (request.getAttribute(ATTRIBUTE) != null) {
          // Also marks the connection to be closed after the answer (ErrorState.CLOSE_CLEAN).
          request.getCoyoteRequest().action(ActionCode.DISABLE_SWALLOW_INPUT, null);
        }
      }
    }
  }
}
