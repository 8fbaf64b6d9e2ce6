package io.upbeat.support.web;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's last word on a request the application never saw: the container refuses some requests
 * before any filter runs (a NUL, an encoded slash or ill-formed UTF-8 in the path, a malformed
 * request line), and Tomcat's own error page for them is HTML. This valve answers them with the
 * contract's error body instead, naming {@code path} when the path is what was refused.
 */
public final class ContractErrorReportValve extends ErrorReportValve {
  private final Supplier<RefusedPathNames> names;

  /**
   * @param names what names a refused path's variable; it, or what it supplies, may be null
   */
  public ContractErrorReportValve(Supplier<RefusedPathNames> names) {
    this.names = names;
  }

  /** For Tomcat, which may create the host's error report valve by its class name. */
  public ContractErrorReportValve() {
    this(() -> null);
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(false);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    ErrorCode code = ErrorCode.forStatus(status);
    ErrorBody body = ErrorBody.of(code, ErrorBodyAdvice.defaultMessage(code));
    String path = rawPath(request);
    int bad = path == null ? 0 : RequestPaths.firstBadSegment(path);
    if (status == 400 && bad >= 0) {
      String field = path == null ? "path" : variableAt(path, bad).orElse("path");
      body =
          new ErrorBody(
              code.code(),
              "path".equals(field)
                  ? "The request path is not valid."
                  : "The path parameter " + field + " is invalid.",
              List.of(
                  new ErrorBody.Detail(
                      field,
                      "must be well-formed UTF-8 without NUL characters or encoded slashes")));
    }
    try {
      response.setContentType(MediaType.APPLICATION_JSON_VALUE);
      response.setCharacterEncoding("UTF-8");
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(JsonMapper.shared().writeValueAsString(body));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The client is gone or the response is committed: nothing more to say.
    }
  }

  private Optional<String> variableAt(String path, int segment) {
    try {
      RefusedPathNames resolver = names.get();
      return resolver == null ? Optional.empty() : resolver.variableAt(path, segment);
    } catch (RuntimeException e) {
      return Optional.empty(); // naming the field is a courtesy; the 400 stands
    }
  }

  private static String rawPath(Request request) {
    try {
      return request.getRequestURI();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
