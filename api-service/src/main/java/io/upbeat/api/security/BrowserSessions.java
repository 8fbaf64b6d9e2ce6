package io.upbeat.api.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * Ends every browser session of a user ("sign out everywhere"). Sessions live in Spring Session's
 * JDBC table, indexed by principal name, which is the user's id ({@link CurrentUser#getName()}).
 * Rows are deleted directly: Spring Session's own lookup by principal returns sessions under their
 * digest (see {@link HashedSessionIds}), which its delete-by-id cannot take. The attributes go with
 * them (foreign key, on delete cascade). The next request of any of those browsers finds no session
 * and is sent to the sign-in form.
 */
@Component
public class BrowserSessions {
  private final JdbcClient jdbc;

  BrowserSessions(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Ends every session of {@code user}, including the one {@code request} came with (if any, it is
   * invalidated so that Spring Session does not write it back and the browser's cookie is cleared).
   *
   * @return how many sessions were ended
   */
  public int endAll(CurrentUser user, HttpServletRequest request) {
    int ended =
        jdbc.sql("DELETE FROM spring_session WHERE principal_name IN (:name, :legacy)")
            .param("name", user.getName())
            // Sessions started before principals were named by id carry the record's toString();
            // they expire on their own within the session timeout, but must end here too.
            .param("legacy", legacyName(user))
            .update();
    HttpSession current = request.getSession(false);
    if (current != null) {
      current.invalidate();
    }
    SecurityContextHolder.clearContext();
    return ended;
  }

  private static String legacyName(CurrentUser user) {
    return "CurrentUser[id=" + user.id() + ", email=" + user.email() + "]";
  }
}
