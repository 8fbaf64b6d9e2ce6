package io.upbeat.support.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Spring Boot's {@code /error} page, which the servlet container forwards to when an error
 * happens outside a controller (a filter, the container itself), so that those responses carry the
 * contract's error body too. It never echoes the exception's message.
 */
@RestController
public class ContractErrorController implements ErrorController {
  @RequestMapping("${server.error.path:${error.path:/error}}")
  ResponseEntity<ErrorBody> error(HttpServletRequest request) {
    Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    // Called directly rather than forwarded to by the container: there is nothing here.
    int code = status instanceof Integer i ? i : 404;
    if (code < 400) {
      code = 500;
    }
    ErrorCode errorCode = ErrorCode.forStatus(code);
    return ResponseEntity.status(code)
        .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
        .body(ErrorBody.of(errorCode, ErrorBodyAdvice.defaultMessage(errorCode)));
  }
}
