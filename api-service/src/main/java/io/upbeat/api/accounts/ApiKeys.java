package io.upbeat.api.accounts;

import io.upbeat.api.security.Secrets;
import io.upbeat.events.TokenDigest;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * A user's API keys: the login keys that {@code POST /api/v1/login} and the JSON sign-up mint
 * (named {@code login <date>}, valid for {@code upbeat.api-keys.login-ttl}, 30 days by default) and
 * the personal keys users create for scripts, named and with an expiry of their choosing. Only a
 * key's SHA-256 digest is stored; its value is returned once, by the call that creates it.
 *
 * <p>A key is accepted while it is neither revoked nor expired ({@code CredentialLookup} checks
 * both on every request, without a cache). Keys belong to users: every operation here is scoped to
 * the caller's own keys, and another user's key id is indistinguishable from an unknown one.
 */
@Service
class ApiKeys {
  static final int MAX_NAME_LENGTH = 100;
  static final int MAX_EXPIRES_IN_DAYS = 365;

  /**
   * How long an expired key stays listed: long enough for its owner to see why a script stopped
   * working, short enough that the keys of daily logins do not pile up in the list.
   */
  static final Duration LISTED_AFTER_EXPIRY = Duration.ofDays(30);

  private static final DateTimeFormatter LOGIN_DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

  private final JdbcClient jdbc;
  private final Clock clock;
  private final ApiKeyProperties properties;

  ApiKeys(JdbcClient jdbc, Clock clock, ApiKeyProperties properties) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.properties = properties;
  }

  /** A key as its owner sees it in the list (never its value). */
  record ApiKeyView(
      UUID id, String name, Instant createdAt, Instant lastUsedAt, Instant expiresAt) {}

  /** A new key: its id and, this once, its value. */
  record CreatedApiKey(UUID id, String apiKey) {}

  /** A validated request for a personal key. */
  record NewKey(String name, Integer expiresInDays) {}

  /**
   * Checks a requested personal key's name and lifetime.
   *
   * <p>The name is trimmed and must then be 1 to {@value #MAX_NAME_LENGTH} characters (code points)
   * without control characters and without U+FFFD: the API replaces a NUL or an unpaired surrogate
   * escape in a JSON string by U+FFFD before any endpoint reads it, so a name carrying one was
   * mangled on the way and is refused rather than stored as something its owner did not type.
   * {@code expires_in_days} is a whole number from 1 to {@value #MAX_EXPIRES_IN_DAYS} (read as a
   * decimal, so that {@code 2147483648} or {@code 3.5} is refused here, naming the field, rather
   * than overflowing or being cut to an integer), or absent (or null) for a key that does not
   * expire until revoked.
   *
   * @throws ApiException 400 {@code invalid_payload} naming each bad field
   */
  static NewKey validate(String rawName, BigDecimal expiresInDays) {
    List<Detail> problems = new ArrayList<>();
    String name = rawName == null ? null : rawName.strip();
    if (name == null || name.isEmpty()) {
      problems.add(new Detail("name", "is required"));
    } else if (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH
        || name.codePoints().anyMatch(c -> Character.getType(c) == Character.CONTROL)
        || name.indexOf('\uFFFD') >= 0) {
      problems.add(
          new Detail(
              "name",
              "must be 1 to " + MAX_NAME_LENGTH + " characters without control characters"));
    }
    Integer days = null;
    if (expiresInDays != null) {
      // Compared before anything else, so that 1e999999999 costs no more than 30.
      if (expiresInDays.compareTo(BigDecimal.ONE) >= 0
          && expiresInDays.compareTo(BigDecimal.valueOf(MAX_EXPIRES_IN_DAYS)) <= 0
          && expiresInDays.stripTrailingZeros().scale() <= 0) {
        days = expiresInDays.intValueExact();
      }
    }
    if (expiresInDays != null && days == null) {
      problems.add(
          new Detail(
              "expires_in_days",
              "must be an integer from 1 to " + MAX_EXPIRES_IN_DAYS + ", or absent for no expiry"));
    }
    if (!problems.isEmpty()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          problems.size() == 1
              ? "The field " + problems.getFirst().field() + " is invalid."
              : "Some fields are invalid.",
          problems);
    }
    return new NewKey(name, days);
  }

  /** A new personal key for the user, named and expiring as {@code key} says. */
  CreatedApiKey create(UUID userId, NewKey key) {
    Instant now = clock.instant();
    Instant expires =
        key.expiresInDays() == null ? null : now.plus(Duration.ofDays(key.expiresInDays()));
    return insert(userId, key.name(), "personal", now, expires);
  }

  /** A new login key: named after the day it was issued, expiring after the login TTL. */
  String issueLoginKey(UUID userId) {
    Instant now = clock.instant();
    return insert(
            userId,
            "login " + LOGIN_DATE.format(now),
            "login",
            now,
            now.plus(properties.loginTtl()))
        .apiKey();
  }

  private CreatedApiKey insert(
      UUID userId, String name, String kind, Instant createdAt, Instant expiresAt) {
    String key = Secrets.newApiKey();
    UUID id = UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO api_keys (id, user_id, key_hash, name, kind, created_at, expires_at)
            VALUES (:id, :user, :hash, :name, :kind, :created, :expires)
            """)
        .param("id", id)
        .param("user", userId)
        .param("hash", TokenDigest.sha256(key))
        .param("name", name)
        .param("kind", kind)
        .param("created", Timestamp.from(createdAt))
        .param("expires", expiresAt == null ? null : Timestamp.from(expiresAt))
        .update();
    return new CreatedApiKey(id, key);
  }

  /**
   * The user's keys that are not revoked, newest first. Expired keys are listed (with their {@code
   * expires_at} in the past) for {@link #LISTED_AFTER_EXPIRY} after they expire, then no more.
   */
  List<ApiKeyView> list(UUID userId) {
    return jdbc.sql(
            """
            SELECT id, name, created_at, last_used_at, expires_at FROM api_keys
            WHERE user_id = :user AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > :listedSince)
            ORDER BY created_at DESC, id
            """)
        .param("user", userId)
        .param("listedSince", Timestamp.from(clock.instant().minus(LISTED_AFTER_EXPIRY)))
        .query(
            (rs, n) ->
                new ApiKeyView(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    instant(rs.getTimestamp(3)),
                    instant(rs.getTimestamp(4)),
                    instant(rs.getTimestamp(5))))
        .list();
  }

  /**
   * Revokes one of the user's keys; it is refused from the next request on.
   *
   * @throws ApiException 404 if the id does not parse, is unknown, is another user's key or is
   *     already revoked (the same answer for all, so ids reveal nothing)
   */
  void revoke(UUID userId, String keyId) {
    Optional<UUID> id = parse(keyId);
    int revoked =
        id.isEmpty()
            ? 0
            : jdbc.sql(
                    """
                    UPDATE api_keys SET revoked_at = :now
                    WHERE id = :id AND user_id = :user AND revoked_at IS NULL
                    """)
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id.get())
                .param("user", userId)
                .update();
    if (revoked == 0) {
      throw ApiException.notFound("The API key");
    }
  }

  /**
   * Revokes every login key of the user except the one presented with this request (its digest, or
   * null), so that a script signing out everywhere else keeps working. Personal keys stay.
   *
   * @return how many keys were revoked
   */
  int revokeLoginKeys(UUID userId, byte[] exceptDigest) {
    // A digest is 32 bytes; with no key presented, an empty one matches no key.
    return jdbc.sql(
            """
            UPDATE api_keys SET revoked_at = :now
            WHERE user_id = :user AND kind = 'login' AND revoked_at IS NULL
              AND key_hash <> :except
            """)
        .param("now", Timestamp.from(clock.instant()))
        .param("user", userId)
        .param("except", exceptDigest == null ? new byte[0] : exceptDigest)
        .update();
  }

  private static Optional<UUID> parse(String id) {
    try {
      return id.length() == 36 ? Optional.of(UUID.fromString(id)) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
