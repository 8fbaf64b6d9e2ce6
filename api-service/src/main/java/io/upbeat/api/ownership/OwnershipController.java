package io.upbeat.api.ownership;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.ownership.OwnershipStore.Stored;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An app's ownership rules, read and replaced as the CODEOWNERS-style text people write. The
 * processor assigns new and regressed error groups by them; here they are only validated and
 * stored. Answers in {@code text/plain}, or as JSON with the update time when the client prefers
 * {@code application/json}.
 */
@RestController
@RequestMapping("/api/v1/apps/{appId}/ownership")
class OwnershipController {
  private static final MediaType TEXT = new MediaType("text", "plain", StandardCharsets.UTF_8);

  private final AccessControl access;
  private final OwnershipStore store;
  private final Clock clock;

  OwnershipController(AccessControl access, OwnershipStore store, Clock clock) {
    this.access = access;
    this.store = store;
    this.clock = clock;
  }

  /** The rules as JSON. */
  record Rules(String rules, Instant updatedAt) {}

  @GetMapping
  ResponseEntity<?> get(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) {
    UUID app = access.app(user, appId).id();
    return answer(store.find(app), prefersJson(accept));
  }

  /**
   * Replaces the rules with the body, a {@code text/plain} CODEOWNERS-style text; an empty body
   * removes them. Nothing is stored unless every line is valid.
   */
  @PutMapping(consumes = MediaType.TEXT_PLAIN_VALUE)
  ResponseEntity<?> put(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept,
      HttpServletRequest request)
      throws IOException {
    AppAccess app = access.appAsOwner(user, appId);
    boolean json = prefersJson(accept);
    String rules =
        RulesText.read(request.getInputStream(), request.getContentLengthLong(), charset(request));
    return answer(store.save(app, rules, clock.instant(), user), json);
  }

  private static ResponseEntity<?> answer(Stored stored, boolean json) {
    ResponseEntity.BodyBuilder ok =
        ResponseEntity.ok().header(HttpHeaders.VARY, HttpHeaders.ACCEPT);
    if (json) {
      return ok.contentType(MediaType.APPLICATION_JSON)
          .body(new Rules(stored.rules(), stored.updatedAt()));
    }
    return ok.contentType(TEXT).body(stored.rules());
  }

  /**
   * Whether the Accept header ranks {@code application/json} above {@code text/plain}; on a tie,
   * whether it names JSON explicitly and not text. Neither acceptable is a 406.
   */
  static boolean prefersJson(String accept) {
    if (accept == null || accept.isBlank()) {
      return false;
    }
    List<MediaType> accepted;
    try {
      accepted = MediaType.parseMediaTypes(accept);
    } catch (InvalidMediaTypeException e) {
      return false;
    }
    double json = quality(accepted, MediaType.APPLICATION_JSON);
    double text = quality(accepted, MediaType.TEXT_PLAIN);
    if (json == 0 && text == 0) {
      throw new ApiException(
          ErrorCode.NOT_ACCEPTABLE, "The rules are available as text/plain or application/json.");
    }
    if (json != text) {
      return json > text;
    }
    return named(accepted, MediaType.APPLICATION_JSON) && !named(accepted, MediaType.TEXT_PLAIN);
  }

  /** The quality of the most specific accepted range that includes {@code type}; 0 if none. */
  private static double quality(List<MediaType> accepted, MediaType type) {
    double quality = 0;
    int specificity = -1;
    for (MediaType range : accepted) {
      if (!range.includes(type)) {
        continue;
      }
      int s = range.isWildcardType() ? 0 : range.isWildcardSubtype() ? 1 : 2;
      if (s > specificity) {
        specificity = s;
        quality = range.getQualityValue();
      }
    }
    return quality;
  }

  private static boolean named(List<MediaType> accepted, MediaType type) {
    return accepted.stream().anyMatch(t -> t.isConcrete() && t.includes(type));
  }

  private static Charset charset(HttpServletRequest request) {
    try {
      Charset declared = MediaType.parseMediaType(request.getContentType()).getCharset();
      return declared == null ? StandardCharsets.UTF_8 : declared;
    } catch (RuntimeException e) { // an unknown charset name
      throw new ApiException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The rules must be text/plain in UTF-8.");
    }
  }
}
