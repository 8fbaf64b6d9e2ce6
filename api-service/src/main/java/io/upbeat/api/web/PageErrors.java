package io.upbeat.api.web;

import io.upbeat.api.security.PageRequests;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBodyAdvice;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers a failed dashboard page with the HTML error page ({@code templates/error.html}: the
 * status and the same one-sentence message the API would give), never JSON and never a trace.
 *
 * <p>It runs before the {@code @ExceptionHandler}s, and only for page handlers: methods of
 * {@code @Controller} classes that render views (no {@code @ResponseBody} on the class, as every
 * {@code @RestController} has, nor on the method). For a request no controller took (an unknown
 * path, which the static resource handler answers with a 404) it decides by the request, as the
 * sign-in redirect does: a browser's GET for HTML outside {@code /api/}. Everything else is left to
 * {@link ErrorBodyAdvice}, so the API keeps the contract's JSON error body.
 */
@Component
class PageErrors implements HandlerExceptionResolver, Ordered {
  private static final Logger log = LoggerFactory.getLogger(PageErrors.class);

  @Override
  public int getOrder() {
    // After Spring Boot's DefaultErrorAttributes (which only records the exception), before the
    // resolvers that run @ExceptionHandler methods.
    return Ordered.HIGHEST_PRECEDENCE + 10;
  }

  @Override
  public ModelAndView resolveException(
      HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
    if (!isPage(handler, request)) {
      return null;
    }
    ErrorCode code;
    String message;
    java.util.List<io.upbeat.support.web.ErrorBody.Detail> details = java.util.List.of();
    if (ex instanceof ApiException api) {
      code = api.code();
      message = api.getMessage();
      details = api.details() == null ? java.util.List.of() : api.details();
    } else if (ex instanceof ErrorResponse standard) {
      code = ErrorCode.forStatus(standard.getStatusCode().value());
      message = ErrorBodyAdvice.defaultMessage(code);
    } else {
      log.error("Unexpected error while rendering a page", ex);
      code = ErrorCode.INTERNAL;
      message = ErrorBodyAdvice.defaultMessage(code);
    }
    HttpStatusCode status = code.status();
    ModelAndView page =
        new ModelAndView(
            "error",
            Map.of(
                "status",
                status.value(),
                "reason",
                HttpStatus.valueOf(status.value()).getReasonPhrase(),
                "message",
                message,
                // Which fields were refused: shown on the page, and read by upbeat.js when htmx
                // made the request (it reports them next to the control that sent it).
                "details",
                details));
    if (PageModel.signedIn() != null) {
      page.addObject("currentUser", PageModel.signedIn());
    }
    page.setStatus(status);
    return page;
  }

  private static boolean isPage(Object handler, HttpServletRequest request) {
    if (handler instanceof HandlerMethod method) {
      return AnnotatedElementUtils.hasAnnotation(
              method.getBeanType(), org.springframework.stereotype.Controller.class)
          && !AnnotatedElementUtils.hasAnnotation(method.getBeanType(), ResponseBody.class)
          && !method.hasMethodAnnotation(ResponseBody.class);
    }
    return PageRequests.isPageRequest(request);
  }
}
