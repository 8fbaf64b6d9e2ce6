package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An address is verified by the single-use link mailed to it at sign-up (or on request), through
 * the API or the page, or by accepting an invitation mailed to it; nothing else verifies it.
 */
class ITEmailVerification extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private static final String CONFIRM = "/api/v1/email-verifications/confirm";

  private boolean verified(Account a) {
    return Boolean.TRUE.equals(
        jdbc.queryForObject(
            "SELECT email_verified_at IS NOT NULL FROM users WHERE id = ?",
            Boolean.class,
            a.userId()));
  }

  private static String token(String token) {
    return "{\"token\": \"%s\"}".formatted(token);
  }

  @Test
  void theMailedLinkVerifiesOnceThroughTheApi() {
    Account a = api.newAccount("Verify Org");
    assertThat(verified(a)).isFalse();
    assertThat(api.get("/api/v1/me", a.apiKey()).json().at("/user/email_verified").asBoolean())
        .isFalse();
    String t = Mailbox.latestVerificationToken(a.email());

    Response ok = api.post(CONFIRM, null, token(t));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.text("/email")).isEqualTo(a.email());
    assertThat(verified(a)).isTrue();
    assertThat(api.get("/api/v1/me", a.apiKey()).json().at("/user/email_verified").asBoolean())
        .isTrue();

    Response again = api.post(CONFIRM, null, token(t));
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.text("/error")).isEqualTo("not_found");
    // Verified already: no new link.
    assertThat(api.post("/api/v1/me/email-verification", a.apiKey(), "{}").status()).isEqualTo(409);
  }

  @Test
  void unknownExpiredAndHostileTokensAreRefused() {
    Account a = api.newAccount("Verify Org");
    String t = Mailbox.latestVerificationToken(a.email());
    jdbc.update(
        "UPDATE email_verifications SET expires_at = now() - interval '1 second' WHERE user_id = ?",
        a.userId());
    assertThat(api.post(CONFIRM, null, token(t)).status()).isEqualTo(404);
    for (String bad :
        List.of(
            token("ub_ver_" + "A".repeat(43)),
            token(""),
            token("\\u0000"),
            token("\\uD800"),
            token("x".repeat(100_000)),
            "{}",
            "{\"token\": 42}")) {
      Response r = api.post(CONFIRM, null, bad);
      assertThat(r.status()).as(bad.substring(0, Math.min(40, bad.length()))).isIn(400, 404);
      assertThat(r.body()).doesNotContain("Exception", "SQL");
    }
    assertThat(verified(a)).isFalse();
  }

  @Test
  void aNewLinkAtMostOnceAMinute() {
    Account a = api.newAccount("Verify Org");
    // The sign-up's mail was the last minute's link.
    Response tooSoon = api.post("/api/v1/me/email-verification", a.apiKey(), "{}");
    assertThat(tooSoon.status()).isEqualTo(429);
    assertThat(tooSoon.raw().headers().firstValue("Retry-After")).isPresent();
    jdbc.update(
        "UPDATE email_verifications SET created_at = created_at - interval '2 minutes'"
            + " WHERE user_id = ?",
        a.userId());
    String first = Mailbox.latestVerificationToken(a.email());
    Response sent = api.post("/api/v1/me/email-verification", a.apiKey(), "{}");
    assertThat(sent.status()).as(sent.body()).isEqualTo(202);
    String second = Mailbox.latestVerificationToken(a.email());
    assertThat(second).isNotEqualTo(first);
    // Either link works (each once).
    assertThat(api.post(CONFIRM, null, token(second)).status()).isEqualTo(200);
    assertThat(verified(a)).isTrue();
    assertThat(api.post("/api/v1/me/email-verification", null, "{}").status()).isEqualTo(401);
  }

  @Test
  void thePageVerifiesOnlyWhenItsButtonIsPressed() {
    Account a = api.newAccount("Verify Org");
    String t = Mailbox.latestVerificationToken(a.email());
    PageSession visitor = new PageSession(port);
    HttpResponse<String> opened = visitor.get("/verify-email?token=" + t);
    assertThat(opened.statusCode()).isEqualTo(200);
    assertThat(opened.body()).contains("verify-form", t);
    assertThat(opened.headers().firstValue("Referrer-Policy")).contains("no-referrer");
    assertThat(verified(a)).isFalse();

    HttpResponse<String> confirmed = visitor.htmx("POST", "/verify-email", "token=" + t, true);
    assertThat(confirmed.statusCode()).isEqualTo(200);
    assertThat(confirmed.body()).contains("is verified");
    assertThat(verified(a)).isTrue();
    HttpResponse<String> reused = visitor.htmx("POST", "/verify-email", "token=" + t, true);
    assertThat(reused.statusCode()).isEqualTo(404);
    assertThat(reused.body()).contains("verification-gone");

    // The account page offers a new link only while the address is unverified.
    Account b = api.newAccount("Verify Org");
    assertThat(new PageSession(port).login(b).get("/account").body())
        .contains("resend-verification");
    assertThat(new PageSession(port).login(a).get("/account").body())
        .doesNotContain("resend-verification");
  }

  @Test
  void acceptingAnInvitationMailedToTheSameAddressVerifiesIt() {
    Account owner = api.newAccount("Inviting Org");
    Account invitee = api.newAccount("Invitee's org");
    Account other = api.newAccount("Other's org");
    Teams.join(api, owner, invitee, "member");
    assertThat(verified(invitee)).isTrue();
    // A token for someone else's address proves nothing about the acceptor's own.
    String token =
        Teams.invite(api, owner, "someone-" + UUID.randomUUID() + "@example.com", "member");
    assertThat(api.post("/api/v1/invitations/accept", other.apiKey(), Teams.token(token)).status())
        .isEqualTo(200);
    assertThat(verified(other)).isFalse();
  }
}
