package io.upbeat.api.deletion;

import io.upbeat.api.security.CurrentUser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code DELETE} of an app, an org (owners) and the caller's own account: 202 once the resource is
 * hidden and its purge queued; its data is gone within minutes (see {@link PurgeWorker}).
 */
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class DeletionController {
  private final Deletions deletions;

  DeletionController(Deletions deletions) {
    this.deletions = deletions;
  }

  /** What was deleted; {@code status} is {@code deleting} until the purge is done. */
  record Deletion(UUID id, String status) {
    static Deletion of(UUID id) {
      return new Deletion(id, "deleting");
    }
  }

  @DeleteMapping("/apps/{appId}")
  @ResponseStatus(HttpStatus.ACCEPTED)
  Deletion app(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId) {
    return Deletion.of(deletions.deleteApp(user, appId));
  }

  @DeleteMapping("/orgs/{orgId}")
  @ResponseStatus(HttpStatus.ACCEPTED)
  Deletion org(@AuthenticationPrincipal CurrentUser user, @PathVariable String orgId) {
    return Deletion.of(deletions.deleteOrg(user, orgId));
  }

  /** The caller's account; 409 while they are the last owner of an org with other members. */
  @DeleteMapping("/me")
  @ResponseStatus(HttpStatus.ACCEPTED)
  Deletion me(@AuthenticationPrincipal CurrentUser user, HttpServletRequest request) {
    UUID id = deletions.deleteUser(user);
    signOut(request);
    return Deletion.of(id);
  }

  /** Ends this request's browser session too (its row is gone already; this drops the cookie's). */
  static void signOut(HttpServletRequest request) {
    HttpSession session = request.getSession(false);
    if (session != null) {
      session.invalidate();
    }
    SecurityContextHolder.clearContext();
  }
}
