package io.upbeat.api.security;

import io.upbeat.api.accounts.LoginService;
import io.upbeat.api.web.ClientAddress;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import io.upbeat.support.web.ErrorResponses;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.security.web.context.DelegatingSecurityContextRepository;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Who may call what. Scripts authenticate each request with a bearer API key; browsers sign in
 * through the login form and then carry a session cookie (kept in PostgreSQL, shared by every
 * instance), with CSRF protection on every state-changing request they make. Errors of
 * authentication (401) and authorization (403) carry the contract's error body.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

  @Bean
  SecurityFilterChain api(
      HttpSecurity http,
      CredentialLookup credentials,
      AuthenticationProvider passwordLogin,
      SecurityContextRepository sessionContexts,
      CsrfTokenRepository csrfTokens,
      ClientAddress clientAddresses)
      throws Exception {
    RequestMatcher bearer = BearerAuthenticationFilter::hasBearer;
    http.authorizeHttpRequests(
            a ->
                // Prometheus and info are served on the management port only (9080; the same
                // chain guards it). On this port they do not exist: permitted here, they answer
                // 404 rather than a 401 that would say they are there.
                a.requestMatchers(
                        "/actuator/health",
                        "/actuator/health/**",
                        "/actuator/prometheus",
                        "/actuator/info")
                    .permitAll()
                    .requestMatchers(
                        HttpMethod.POST,
                        "/api/v1/signup",
                        "/api/v1/login",
                        "/api/v1/email-verifications/confirm")
                    .permitAll()
                    // An e-mail verification link's page: the token is the proof, no sign-in.
                    .requestMatchers("/verify-email")
                    .permitAll()
                    .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui/**")
                    .permitAll()
                    .requestMatchers("/swagger-ui.html", "/login", "/signup", "/error")
                    .permitAll()
                    // An invitation link's page: it offers sign-in and sign-up to a visitor.
                    .requestMatchers(HttpMethod.GET, "/invitations/accept")
                    .permitAll()
                    .requestMatchers(
                        HttpMethod.GET,
                        "/css/**",
                        "/js/**",
                        "/webjars/**",
                        "/favicon.svg",
                        "/favicon.ico")
                    .permitAll()
                    // CI posts its app's releases with the app's CI token (or a member's key).
                    .requestMatchers(HttpMethod.POST, "/api/v1/apps/*/releases")
                    .hasAnyAuthority(
                        BearerAuthenticationFilter.ROLE_USER, BearerAuthenticationFilter.ROLE_CI)
                    // ...and reads the newest one's head, to list only the commits since.
                    .requestMatchers(HttpMethod.GET, "/api/v1/apps/*/releases/latest")
                    .hasAnyAuthority(
                        BearerAuthenticationFilter.ROLE_USER, BearerAuthenticationFilter.ROLE_CI)
                    .anyRequest()
                    .hasAuthority(BearerAuthenticationFilter.ROLE_USER))
        .addFilterBefore(
            new BearerAuthenticationFilter(credentials), UsernamePasswordAuthenticationFilter.class)
        .authenticationProvider(passwordLogin)
        // Shared with SessionSignIn, which signs a new account in from the sign-up page.
        .securityContext(c -> c.securityContextRepository(sessionContexts))
        .formLogin(
            f ->
                f.loginPage("/login")
                    .usernameParameter("email")
                    .successHandler(
                        (request, response, authentication) ->
                            response.sendRedirect(
                                request.getContextPath() + invitationPage(request).orElse("/")))
                    // The throttle's address: X-Forwarded-For only from trusted proxies.
                    .authenticationDetailsSource(
                        request ->
                            new WebAuthenticationDetails(
                                clientAddresses.of(request),
                                request.getSession(false) == null
                                    ? null
                                    : request.getSession(false).getId()))
                    .failureHandler(this::formLoginFailed))
        .logout(l -> l.logoutSuccessUrl("/login?logout"))
        // No session for a request that was refused: only a successful login starts one.
        .requestCache(c -> c.disable())
        // Browsers read the token from the XSRF-TOKEN cookie and send it as X-XSRF-TOKEN.
        // Bearer-key requests carry no ambient credential, so they need no CSRF token; nor do the
        // JSON sign-up and login, which browsers cannot post cross-site without CORS consent; nor
        // does a request with no session at all (nothing to ride on: it gets a plain 401), except
        // the login and sign-up forms, which must not sign a victim into someone else's account.
        .csrf(
            c ->
                c.csrfTokenRepository(csrfTokens)
                    .csrfTokenRequestHandler(new CsrfTokenRequestAttributeHandler())
                    .ignoringRequestMatchers(bearer)
                    .ignoringRequestMatchers(
                        request ->
                            request.getRequestedSessionId() == null
                                && !List.of("/login", "/signup").contains(request.getRequestURI()))
                    .ignoringRequestMatchers(
                        request ->
                            HttpMethod.POST.matches(request.getMethod())
                                && List.of("/api/v1/signup", "/api/v1/login")
                                    .contains(request.getRequestURI())))
        .exceptionHandling(
            e ->
                e.authenticationEntryPoint(
                        (request, response, ex) -> {
                          if (PageRequests.isPageRequest(request)) {
                            // A dashboard page opened without a session: to the sign-in form.
                            response.sendRedirect(request.getContextPath() + "/login");
                            return;
                          }
                          response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
                          ErrorResponses.write(
                              response,
                              new ApiException(
                                  ErrorCode.UNAUTHORIZED,
                                  "Sign in, or send Authorization: Bearer <api key>."));
                        })
                    .accessDeniedHandler(
                        (request, response, ex) ->
                            ErrorResponses.write(
                                response,
                                new ApiException(ErrorCode.FORBIDDEN, forbiddenMessage(request)))));
    return http.build();
  }

  private static String forbiddenMessage(HttpServletRequest request) {
    if (BearerAuthenticationFilter.hasBearer(request)
        && request
            .getHeader(HttpHeaders.AUTHORIZATION)
            .substring(7)
            .trim()
            .startsWith(Secrets.CI_TOKEN_PREFIX)) {
      return "A CI token may only post releases and read the latest one.";
    }
    return "This request was refused: a browser session needs a valid CSRF token.";
  }

  private void formLoginFailed(
      HttpServletRequest request,
      jakarta.servlet.http.HttpServletResponse response,
      AuthenticationException exception)
      throws java.io.IOException {
    if (exception.getCause() instanceof ApiException api && api.code() == ErrorCode.RATE_LIMITED) {
      ErrorResponses.write(response, api);
      return;
    }
    response.sendRedirect(
        request.getContextPath()
            + "/login?error"
            + invitationToken(request).map(t -> "&invitation=" + t).orElse(""));
  }

  /**
   * The invitation link's page, when the login form was opened from one (it carries the token in
   * {@code invitation}), so that signing in comes back to it. Only a token's exact shape is taken:
   * nothing else can steer the redirect.
   */
  private static Optional<String> invitationPage(HttpServletRequest request) {
    return invitationToken(request).map(t -> "/invitations/accept?token=" + t);
  }

  private static final Pattern INVITATION_TOKEN = Pattern.compile("ub_inv_[A-Za-z0-9_-]{43}");

  private static Optional<String> invitationToken(HttpServletRequest request) {
    String token = request.getParameter("invitation");
    return token != null && INVITATION_TOKEN.matcher(token).matches()
        ? Optional.of(token)
        : Optional.empty();
  }

  /**
   * A request Spring Security's firewall refuses (a {@code ;} or {@code //} in the path, a control
   * character in a header) gets the contract's 400 instead of an exception (a 500).
   */
  @Bean
  RequestRejectedHandler requestRejectedHandler() {
    return (request, response, rejected) ->
        ErrorResponses.write(
            response,
            new ApiException(
                ErrorCode.INVALID_PAYLOAD, "The request URL or a header is not valid."));
  }

  /** Browsers read the token from the XSRF-TOKEN cookie and send it as X-XSRF-TOKEN. */
  @Bean
  CsrfTokenRepository csrfTokenRepository() {
    return CookieCsrfTokenRepository.withHttpOnlyFalse();
  }

  /** Where a browser's sign-in is kept: the request, and the session (Spring Session JDBC). */
  @Bean
  SecurityContextRepository securityContextRepository() {
    return new DelegatingSecurityContextRepository(
        new RequestAttributeSecurityContextRepository(),
        new HttpSessionSecurityContextRepository());
  }

  @Bean
  PasswordEncoder passwordEncoder() {
    // bcrypt by default, stored as "{bcrypt}..."; other ids stay readable and are upgraded on
    // login.
    return PasswordEncoderFactories.createDelegatingPasswordEncoder();
  }

  @Bean
  AuthenticationProvider passwordLogin(LoginService logins) {
    return new PasswordLoginProvider(logins);
  }

  /** The browser form's e-mail and password, checked (and throttled) like the JSON login. */
  private record PasswordLoginProvider(LoginService logins) implements AuthenticationProvider {
    @Override
    public Authentication authenticate(Authentication authentication) {
      String address =
          authentication.getDetails() instanceof WebAuthenticationDetails d
              ? d.getRemoteAddress()
              : "unknown";
      try {
        CurrentUser user =
            logins.authenticate(
                authentication.getName(), String.valueOf(authentication.getCredentials()), address);
        return SessionSignIn.authenticated(user);
      } catch (ApiException e) {
        throw new BadCredentialsException(e.getMessage(), e);
      }
    }

    @Override
    public boolean supports(Class<?> authentication) {
      return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
  }
}
