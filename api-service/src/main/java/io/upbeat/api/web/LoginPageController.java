package io.upbeat.api.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.util.HtmlUtils;

/**
 * The browser sign-in form. Posting it to {@code /login} starts a session (the dashboard's);
 * scripts use {@code POST /api/v1/login} for an API key instead.
 */
@Controller
class LoginPageController {
  @GetMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
  @ResponseBody
  String loginPage(HttpServletRequest request) {
    CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
    String notice =
        request.getParameter("error") != null
            ? "<p role=\"alert\">Wrong e-mail or password.</p>"
            : request.getParameter("logout") != null ? "<p role=\"status\">Signed out.</p>" : "";
    return """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Sign in · Upbeat</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"></head>
        <body>
        <main>
        <h1>Sign in to Upbeat</h1>
        %s
        <form method="post" action="/login">
          <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
          <label>Password <input type="password" name="password"
                 autocomplete="current-password" required></label>
          <input type="hidden" name="%s" value="%s">
          <button type="submit">Sign in</button>
        </form>
        </main>
        </body>
        </html>
        """
        .formatted(
            notice,
            HtmlUtils.htmlEscape(csrf.getParameterName()),
            HtmlUtils.htmlEscape(csrf.getToken()));
  }
}
