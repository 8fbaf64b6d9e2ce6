package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.util.UUID;

/** Puts people into orgs the only way there is: an owner invites, the invitee accepts the mail. */
final class Teams {
  private Teams() {}

  /** Invites {@code email} with {@code role}; returns the token from the e-mail it sent. */
  static String invite(ApiClient api, Account owner, String email, String role) {
    return invite(api, owner.orgId(), owner.apiKey(), email, role);
  }

  /**
   * Invites {@code email} to the org {@code org} with an owner's {@code key}; returns the token.
   */
  static String invite(ApiClient api, UUID org, String key, String email, String role) {
    Response r =
        api.post(
            "/api/v1/orgs/" + org + "/invitations",
            key,
            "{\"email\": \"%s\", \"role\": \"%s\"}".formatted(email, role));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return Mailbox.latestToken(email);
  }

  /** Makes {@code who} a member of {@code owner}'s org with {@code role}. */
  static void join(ApiClient api, Account owner, Account who, String role) {
    String token = invite(api, owner, who.email(), role);
    Response r = api.post("/api/v1/invitations/accept", who.apiKey(), token(token));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  static String token(String token) {
    return "{\"token\": \"%s\"}".formatted(token);
  }
}
