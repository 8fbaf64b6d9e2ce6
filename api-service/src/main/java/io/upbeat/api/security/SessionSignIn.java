package io.upbeat.api.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CsrfAuthenticationStrategy;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.stereotype.Component;

/**
 * Starts a browser session for a user whose identity a page has just established itself (the
 * sign-up form), exactly as the login form would: the same authentication, a new session id (no
 * session fixation), a new CSRF token, and the context saved where the session filter reads it.
 */
@Component
public class SessionSignIn {
  private final SecurityContextRepository contexts;
  private final CsrfAuthenticationStrategy csrf;
  private final SecurityContextHolderStrategy holder =
      SecurityContextHolder.getContextHolderStrategy();

  SessionSignIn(SecurityContextRepository contexts, CsrfTokenRepository csrfTokens) {
    this.contexts = contexts;
    this.csrf = new CsrfAuthenticationStrategy(csrfTokens);
    this.csrf.setRequestHandler(new CsrfTokenRequestAttributeHandler());
  }

  /** Signs {@code user} in on this request's browser session. */
  public void signIn(CurrentUser user, HttpServletRequest request, HttpServletResponse response) {
    Authentication authentication = authenticated(user);
    if (request.getSession(false) != null) {
      request.changeSessionId();
    }
    csrf.onAuthentication(authentication, request, response);
    SecurityContext context = holder.createEmptyContext();
    context.setAuthentication(authentication);
    holder.setContext(context);
    contexts.saveContext(context, request, response);
  }

  /** A signed-in user as both the login form and the sign-up page present them. */
  static Authentication authenticated(CurrentUser user) {
    return UsernamePasswordAuthenticationToken.authenticated(
        user, null, List.of(new SimpleGrantedAuthority(BearerAuthenticationFilter.ROLE_USER)));
  }
}
