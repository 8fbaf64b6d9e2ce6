package io.upbeat.api.security;

import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import io.upbeat.support.web.ErrorResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <credential>} requests: an API key ({@code ub_key_})
 * as its user, a CI token ({@code ub_ci_}) as that app's CI. Anything else presented as a bearer
 * credential is refused with 401 at once; requests without the header pass on unauthenticated (a
 * browser session may still authenticate them). The context is never stored in a session.
 */
class BearerAuthenticationFilter extends OncePerRequestFilter {
  static final String ROLE_USER = "ROLE_USER";
  static final String ROLE_CI = "ROLE_CI";
  private static final String BEARER = "Bearer ";

  private final CredentialLookup lookup;

  BearerAuthenticationFilter(CredentialLookup lookup) {
    this.lookup = lookup;
  }

  static boolean hasBearer(HttpServletRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    return header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length());
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null) {
      chain.doFilter(request, response);
      return;
    }
    if (!hasBearer(request)) {
      refuse(response, "Use Authorization: Bearer <api key>.");
      return;
    }
    String credential = header.substring(BEARER.length()).trim();
    Optional<UsernamePasswordAuthenticationToken> auth = authenticate(credential);
    if (auth.isEmpty()) {
      refuse(response, "The API key or token is not valid.");
      return;
    }
    SecurityContextHolder.getContext().setAuthentication(auth.get());
    try {
      chain.doFilter(request, response);
    } finally {
      SecurityContextHolder.clearContext();
    }
  }

  private Optional<UsernamePasswordAuthenticationToken> authenticate(String credential) {
    if (credential.startsWith(Secrets.API_KEY_PREFIX)) {
      return lookup.userForApiKey(credential).map(u -> authenticated(u, u.email(), ROLE_USER));
    }
    if (credential.startsWith(Secrets.CI_TOKEN_PREFIX)) {
      return lookup
          .appForCiToken(credential)
          .map(ci -> authenticated(ci, "ci:" + ci.appId(), ROLE_CI));
    }
    return Optional.empty();
  }

  private static UsernamePasswordAuthenticationToken authenticated(
      Object principal, String name, String role) {
    UsernamePasswordAuthenticationToken token =
        UsernamePasswordAuthenticationToken.authenticated(
            principal, null, List.of(new SimpleGrantedAuthority(role)));
    token.setDetails(name);
    return token;
  }

  private static void refuse(HttpServletResponse response, String message) throws IOException {
    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    ErrorResponses.write(response, new ApiException(ErrorCode.UNAUTHORIZED, message));
  }
}
