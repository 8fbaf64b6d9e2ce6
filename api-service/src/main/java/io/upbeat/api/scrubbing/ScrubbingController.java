package io.upbeat.api.scrubbing;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An app's own scrubbing keys, filtered by intake in addition to the default list: {@code GET} for
 * members, {@code PUT} for owners, {@code {"keys": [...]}}.
 */
@RestController
@RequestMapping(
    path = "/api/v1/apps/{appId}/scrubbing",
    produces = MediaType.APPLICATION_JSON_VALUE)
class ScrubbingController {
  static final int MAX_KEYS = 100;
  static final int MAX_KEY_CHARS = 100;

  private final AccessControl access;
  private final ScrubbingSettings settings;

  ScrubbingController(AccessControl access, ScrubbingSettings settings) {
    this.access = access;
    this.settings = settings;
  }

  record Scrubbing(List<String> keys) {}

  @GetMapping
  Scrubbing get(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId) {
    return new Scrubbing(settings.keys(access.app(user, appId).id()));
  }

  /**
   * Replaces the app's keys; intake applies them within seconds (see {@link ScrubbingSettings}).
   */
  @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  Scrubbing put(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestBody Scrubbing body) {
    var app = access.appAsOwner(user, appId);
    List<String> keys = validate(body == null ? null : body.keys());
    settings.save(user, app, keys);
    return new Scrubbing(keys);
  }

  /**
   * The keys, exact duplicates dropped, order kept.
   *
   * @throws ApiException 400 naming {@code keys} or each bad {@code keys[i]}
   */
  static List<String> validate(List<String> keys) {
    if (keys == null) {
      throw invalid(List.of(new ErrorBody.Detail("keys", "is required")));
    }
    if (keys.size() > MAX_KEYS) {
      throw invalid(
          List.of(new ErrorBody.Detail("keys", "must have at most " + MAX_KEYS + " keys")));
    }
    List<ErrorBody.Detail> problems = new ArrayList<>();
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < keys.size() && problems.size() < ErrorBody.MAX_DETAILS; i++) {
      String k = keys.get(i);
      String field = "keys[" + i + "]";
      if (k == null) {
        problems.add(new ErrorBody.Detail(field, "must be a string"));
      } else if (k.isEmpty() || k.codePointCount(0, k.length()) > MAX_KEY_CHARS) {
        problems.add(
            new ErrorBody.Detail(field, "must be 1 to " + MAX_KEY_CHARS + " characters long"));
      } else if (!printable(k)) {
        problems.add(
            new ErrorBody.Detail(field, "must not contain control or unstorable characters"));
      } else {
        out.add(k);
      }
    }
    if (!problems.isEmpty()) {
      throw invalid(problems);
    }
    return List.copyOf(out);
  }

  /**
   * No control character, and no U+FFFD (what the API's text gate puts in place of a NUL or an
   * unpaired surrogate: such a key was not what the caller meant).
   */
  private static boolean printable(String k) {
    for (int i = 0; i < k.length(); i++) {
      char c = k.charAt(i);
      if (Character.isISOControl(c) || c == '\uFFFD' || Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < k.length()
            && Character.isLowSurrogate(k.charAt(i + 1))) {
          i++;
          continue;
        }
        return false;
      }
    }
    return true;
  }

  private static ApiException invalid(List<ErrorBody.Detail> problems) {
    return new ApiException(
        ErrorCode.INVALID_PAYLOAD,
        problems.size() == 1
            ? "One field of the request is invalid."
            : "Fields of the request are invalid (" + problems.size() + " shown).",
        problems);
  }
}
