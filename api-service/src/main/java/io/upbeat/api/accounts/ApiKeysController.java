package io.upbeat.api.accounts;

import io.upbeat.api.accounts.ApiKeys.ApiKeyView;
import io.upbeat.api.accounts.ApiKeys.CreatedApiKey;
import io.upbeat.api.security.BrowserSessions;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.security.Secrets;
import io.upbeat.events.TokenDigest;
import jakarta.servlet.http.HttpServletRequest;
import java.math.BigDecimal;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's own credentials: their API keys (list, create, revoke) and signing out everywhere.
 * Only users reach these (an API key or a browser session); a CI token gets 403 like everywhere but
 * releases.
 */
@RestController
@RequestMapping(path = "/api/v1/me", produces = MediaType.APPLICATION_JSON_VALUE)
class ApiKeysController {
  private final ApiKeys keys;
  private final BrowserSessions sessions;

  ApiKeysController(ApiKeys keys, BrowserSessions sessions) {
    this.keys = keys;
    this.sessions = sessions;
  }

  /** {@code expires_in_days} absent or null: the key does not expire until revoked. */
  record CreateApiKey(String name, BigDecimal expiresInDays) {}

  record ApiKeyList(List<ApiKeyView> items) {}

  record SignedOutEverywhere(int sessionsEnded, int loginKeysRevoked) {}

  /**
   * The caller's keys that are not revoked, newest first: login keys and personal keys alike.
   * Expired keys are listed, with their {@code expires_at} in the past, for 30 days after they
   * expire.
   */
  @GetMapping("/api-keys")
  ApiKeyList list(@AuthenticationPrincipal CurrentUser user) {
    return new ApiKeyList(keys.list(user.id()));
  }

  /** Creates a personal key; its value is in this response only. */
  @PostMapping(path = "/api-keys", consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  CreatedApiKey create(
      @AuthenticationPrincipal CurrentUser user, @RequestBody CreateApiKey request) {
    return keys.create(user.id(), ApiKeys.validate(request.name(), request.expiresInDays()));
  }

  /** Revokes one of the caller's keys (the one in use included); 404 for any other id. */
  @DeleteMapping("/api-keys/{keyId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void revoke(@AuthenticationPrincipal CurrentUser user, @PathVariable String keyId) {
    keys.revoke(user.id(), keyId);
  }

  /**
   * Signs the caller out everywhere: ends every browser session of theirs (this one too, when the
   * request comes from a browser) and revokes their login keys, except the key this request was
   * made with. Personal keys stay valid: they are revoked one by one.
   */
  @PostMapping("/sessions/revoke")
  SignedOutEverywhere signOutEverywhere(
      @AuthenticationPrincipal CurrentUser user, HttpServletRequest request) {
    int revoked = keys.revokeLoginKeys(user.id(), presentedKeyDigest(request));
    int ended = sessions.endAll(user, request);
    return new SignedOutEverywhere(ended, revoked);
  }

  /** The digest of the API key this request was authenticated with, or null (a browser). */
  private static byte[] presentedKeyDigest(HttpServletRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String key = header.substring(7).trim();
    return key.startsWith(Secrets.API_KEY_PREFIX) ? TokenDigest.sha256(key) : null;
  }
}
