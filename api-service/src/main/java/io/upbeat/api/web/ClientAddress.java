package io.upbeat.api.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/** The address of the client behind the current request, for the audit log and throttles. */
@Component
public class ClientAddress {
  /** The current request's client address; empty outside a request (a background job). */
  public Optional<String> current() {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    if (attributes instanceof ServletRequestAttributes servlet) {
      return Optional.ofNullable(of(servlet.getRequest()));
    }
    return Optional.empty();
  }

  /** The client address of {@code request}. */
  public String of(HttpServletRequest request) {
    return request.getRemoteAddr();
  }
}
