package io.upbeat.api.security;

import java.io.Serializable;
import java.util.UUID;
import org.springframework.security.core.AuthenticatedPrincipal;

/**
 * The signed-in user of a request, whether it came with an API key or a browser session. Kept in
 * the session, so it holds nothing secret.
 *
 * <p>Its {@linkplain #getName() name} is the user's id: Spring Session indexes each browser session
 * by it ({@code spring_session.principal_name}), which is how {@link BrowserSessions} finds every
 * session of a user. (Before, the name was this record's {@code toString()}.)
 */
public record CurrentUser(UUID id, String email) implements Serializable, AuthenticatedPrincipal {
  @Override
  public String getName() {
    return id.toString();
  }
}
