package io.upbeat.api.accounts;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.accounts.AccountPayloads.MeResponse;
import io.upbeat.api.accounts.AccountPayloads.MyOrg;
import io.upbeat.api.accounts.AccountPayloads.OrgView;
import io.upbeat.api.accounts.AccountPayloads.SignupRequest;
import io.upbeat.api.accounts.AccountPayloads.SignupResponse;
import io.upbeat.api.accounts.AccountPayloads.UserView;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Sign-up, password checks, API keys and the caller's own account. */
@Service
class AccountService {
  /** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut. */
  static final int MAX_PASSWORD_BYTES = 72;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcClient jdbc;
  private final PasswordEncoder passwords;
  private final MeterRegistry meters;
  private final Memberships memberships;
  private final ApiKeys apiKeys;
  private final EmailVerification verification;
  // Compared against when the e-mail is unknown, so both cases take the same time.
  private final String unknownUserHash;

  AccountService(
      JdbcClient jdbc,
      PasswordEncoder passwords,
      MeterRegistry meters,
      Memberships memberships,
      ApiKeys apiKeys,
      EmailVerification verification) {
    this.verification = verification;
    this.jdbc = jdbc;
    this.passwords = passwords;
    this.meters = meters;
    this.memberships = memberships;
    this.apiKeys = apiKeys;
    this.unknownUserHash = passwords.encode("no such user: " + UUID.randomUUID());
  }

  /** A new user and the org they own, with an API key (the JSON sign-up). */
  @Transactional
  SignupResponse signup(SignupRequest request) {
    NewAccount account = createAccount(request);
    return new SignupResponse(account.user(), account.org(), issueApiKey(account.user().id()));
  }

  /** A user and the org they own. */
  record NewAccount(UserView user, OrgView org) {}

  /**
   * Creates the user and their first org (and nothing more: see {@code orgs.Invitations}).
   *
   * @throws ApiException 409 if the e-mail (any case) has an account; 400 for a password over
   *     {@value #MAX_PASSWORD_BYTES} bytes (the rest is validated by the caller)
   */
  @Transactional
  NewAccount createAccount(SignupRequest request) {
    String email = Emails.normalize(request.email());
    if (request.password().getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The password is too long.",
          List.of(new ErrorBody.Detail("password", "must be at most 72 bytes")));
    }
    String name = request.name() == null || request.name().isBlank() ? null : request.name().trim();
    UUID userId = UUID.randomUUID();
    int inserted =
        jdbc.sql(
                """
                INSERT INTO users (id, email, name, password_hash) VALUES (:id, :email, :name, :hash)
                ON CONFLICT ((lower(email))) DO NOTHING
                """)
            .param("id", userId)
            .param("email", email)
            .param("name", name)
            .param("hash", passwords.encode(request.password()))
            .update();
    if (inserted == 0) {
      throw new ApiException(ErrorCode.CONFLICT, "An account with this e-mail already exists.");
    }
    // Joins nothing else: invitations are accepted with their e-mailed token, never by the e-mail
    // alone (anyone may register any address).
    OrgView org = createOrg(request.orgName().trim(), userId);
    verification.start(userId, email);
    meters.counter("upbeat.accounts.signups").increment();
    return new NewAccount(new UserView(userId, email, name, false), org);
  }

  private OrgView createOrg(String name, UUID ownerId) {
    UUID orgId = UUID.randomUUID();
    String base = Slugs.of(name);
    String slug = base;
    // Slugs are unique; on a clash add a short random suffix (a few tries at most).
    for (int attempt = 0; ; attempt++) {
      int inserted =
          jdbc.sql(
                  "INSERT INTO orgs (id, slug, name) VALUES (:id, :slug, :name)"
                      + " ON CONFLICT (slug) DO NOTHING")
              .param("id", orgId)
              .param("slug", slug)
              .param("name", name)
              .update();
      if (inserted == 1) {
        break;
      }
      if (attempt == 10) {
        throw new IllegalStateException("no free slug for " + base);
      }
      byte[] suffix = new byte[3];
      RANDOM.nextBytes(suffix);
      slug =
          base.substring(0, Math.min(base.length(), Slugs.MAX_LENGTH - 7))
              + "-"
              + HexFormat.of().formatHex(suffix);
    }
    jdbc.sql("INSERT INTO memberships (org_id, user_id, role) VALUES (:org, :user, 'owner')")
        .param("org", orgId)
        .param("user", ownerId)
        .update();
    return new OrgView(orgId, slug, name);
  }

  /**
   * The user with this e-mail and password, if they match. Takes as long for an unknown e-mail as
   * for a wrong password. Re-hashes a password stored with outdated settings.
   */
  Optional<CurrentUser> checkPassword(String rawEmail, String password) {
    String email = Emails.normalize(rawEmail);
    Optional<StoredUser> user =
        jdbc.sql("SELECT id, email, password_hash FROM users WHERE lower(email) = :email")
            .param("email", email)
            .query(
                (rs, n) ->
                    new StoredUser(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)))
            .optional();
    if (user.isEmpty()) {
      passwords.matches(password, unknownUserHash);
      return Optional.empty();
    }
    StoredUser u = user.get();
    if (!passwords.matches(password, u.passwordHash())) {
      return Optional.empty();
    }
    if (passwords.upgradeEncoding(u.passwordHash())) {
      jdbc.sql("UPDATE users SET password_hash = :hash WHERE id = :id")
          .param("hash", passwords.encode(password))
          .param("id", u.id())
          .update();
    }
    return Optional.of(new CurrentUser(u.id(), u.email()));
  }

  /**
   * A new login key for the user (see {@link ApiKeys#issueLoginKey}); the value is returned once
   * and only its digest is stored.
   */
  String issueApiKey(UUID userId) {
    return apiKeys.issueLoginKey(userId);
  }

  MeResponse me(CurrentUser current) {
    UserView user =
        jdbc.sql("SELECT id, email, name, email_verified_at IS NOT NULL FROM users WHERE id = :id")
            .param("id", current.id())
            .query(
                (rs, n) ->
                    new UserView(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getBoolean(4)))
            .single();
    List<MyOrg> orgs =
        memberships.orgsOf(current.id()).stream()
            .map(o -> new MyOrg(o.id(), o.slug(), o.name(), o.role()))
            .toList();
    return new MeResponse(user, orgs);
  }

  private record StoredUser(UUID id, String email, String passwordHash) {}
}
