package io.upbeat.api.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

/** Tells a browser's request for a dashboard page from a call to the API. */
public final class PageRequests {
  private PageRequests() {}

  /**
   * A browser asking for a dashboard page (not the API, not a script): a GET outside {@code /api/}
   * and {@code /actuator/} that accepts HTML and carries no bearer key.
   */
  public static boolean isPageRequest(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    return HttpMethod.GET.matches(request.getMethod())
        && !path.startsWith("/api/")
        && !path.startsWith("/actuator/")
        && !path.startsWith("/v3/")
        && !BearerAuthenticationFilter.hasBearer(request)
        && accept != null
        && accept.contains("text/html");
  }
}
