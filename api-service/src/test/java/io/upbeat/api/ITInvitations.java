package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Invitations by consent through the API: nobody joins an org without accepting the e-mailed,
 * single-use link; sign-up with an invited e-mail joins nothing; the answers never tell whether an
 * e-mail has an account; acceptance is exactly-once under concurrency.
 */
class ITInvitations extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private String invitations(Account owner) {
    return "/api/v1/orgs/" + owner.orgId() + "/invitations";
  }

  private static String fresh(String who) {
    return who + "-" + UUID.randomUUID() + "@example.com";
  }

  @Test
  void anInviteeJoinsWithTheRoleOnlyByAcceptingTheMailedLink() {
    Account owner = api.newAccount("Inviting Org");
    String bobEmail = fresh("bob");

    Response invited =
        api.post(
            invitations(owner),
            owner.apiKey(),
            "{\"email\": \"%s\", \"role\": \"owner\"}".formatted(bobEmail.toUpperCase()));
    assertThat(invited.status()).as(invited.body()).isEqualTo(201);
    assertThat(invited.json().propertyNames())
        .containsExactlyInAnyOrder("id", "email", "role", "expires_at");
    assertThat(invited.text("/email")).isEqualTo(bobEmail);
    assertThat(invited.text("/role")).isEqualTo("owner");
    assertThat(Duration.between(Instant.now(), Instant.parse(invited.text("/expires_at"))))
        .isBetween(Duration.ofDays(7).minusMinutes(5), Duration.ofDays(7).plusMinutes(5));

    Mailbox.Mail mail = Mailbox.invitationsTo(bobEmail).getFirst();
    assertThat(mail.subject()).isEqualTo("Join Inviting Org on Upbeat");
    assertThat(mail.text()).contains("Inviting Org").contains("as an owner");
    assertThat(Mailbox.LINK.matcher(mail.text()).results().toList()).hasSize(1);
    String token = mail.token();
    // Only the token's digest is stored.
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM invitations WHERE token_hash = sha256(convert_to(?, 'UTF8'))",
                Long.class,
                token))
        .isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM invitations i WHERE strpos(row_to_json(i)::text, ?) > 0",
                Long.class,
                token))
        .isZero();

    Response pending = api.get(invitations(owner), owner.apiKey());
    assertThat(pending.json().at("/items").findValuesAsString("email")).containsExactly(bobEmail);

    // Signing up with the invited e-mail joins nothing by itself.
    Account bob = api.signup(bobEmail, "Bob's Own");
    assertThat(api.get("/api/v1/me", bob.apiKey()).json().at("/orgs").findValuesAsString("id"))
        .containsExactly(bob.orgId().toString());
    assertThat(api.get("/api/v1/orgs/" + owner.orgId() + "/members", bob.apiKey()).status())
        .isEqualTo(404);

    Response accepted = api.post("/api/v1/invitations/accept", bob.apiKey(), Teams.token(token));
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.text("/org/id")).isEqualTo(owner.orgId().toString());
    assertThat(accepted.text("/org/name")).isEqualTo("Inviting Org");
    assertThat(accepted.text("/role")).isEqualTo("owner");

    Response members = api.get("/api/v1/orgs/" + owner.orgId() + "/members", owner.apiKey());
    assertThat(members.json().at("/items").findValuesAsString("email"))
        .containsExactly(owner.email(), bobEmail);
    assertThat(members.text("/items/1/role")).isEqualTo("owner");
    assertThat(members.text("/items/1/user/id")).isEqualTo(bob.userId().toString());
    assertThat(api.get(invitations(owner), owner.apiKey()).json().at("/items")).isEmpty();

    // Single use.
    Response again = api.post("/api/v1/invitations/accept", bob.apiKey(), Teams.token(token));
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.text("/error")).isEqualTo("not_found");
  }

  @Test
  void theTokenMayBeAcceptedFromAnAccountWithAnotherEmail() {
    Account owner = api.newAccount("Any Account Org");
    Account carol = api.newAccount("Carol's");
    String token = Teams.invite(api, owner, fresh("carol-at-work"), "member");

    Response accepted = api.post("/api/v1/invitations/accept", carol.apiKey(), Teams.token(token));
    assertThat(accepted.status()).isEqualTo(200);
    assertThat(accepted.text("/role")).isEqualTo("member");
  }

  @Test
  void invitingAnExistingUserAddsNobodyAndLooksLikeInvitingAStranger() {
    Account owner = api.newAccount("No Enumeration Org");
    Account carol = api.newAccount("Carol's");
    String stranger = fresh("nobody");

    Response existing =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members",
            owner.apiKey(),
            "{\"email\": \"%s\"}".formatted(carol.email()));
    Response unknown =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members",
            owner.apiKey(),
            "{\"email\": \"%s\"}".formatted(stranger));
    for (Response r : List.of(existing, unknown)) {
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      assertThat(r.json().propertyNames())
          .containsExactlyInAnyOrder("id", "email", "role", "expires_at", "status");
      assertThat(r.text("/status")).isEqualTo("invited");
      assertThat(r.text("/role")).isEqualTo("member");
      assertThat(r.body()).doesNotContain("Test User").doesNotContain(carol.userId().toString());
    }
    // Carol was asked, not added.
    assertThat(api.get("/api/v1/me", carol.apiKey()).json().at("/orgs").findValuesAsString("id"))
        .containsExactly(carol.orgId().toString());
    assertThat(Mailbox.invitationsTo(carol.email())).hasSize(1);
    assertThat(Mailbox.invitationsTo(stranger)).hasSize(1);

    // A second invitation while one is pending, and one for a member, are 409 (both facts the
    // org's members can see anyway).
    Response duplicate =
        api.post(
            invitations(owner), owner.apiKey(), "{\"email\": \"%s\"}".formatted(carol.email()));
    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(duplicate.text("/error")).isEqualTo("conflict");
    Response member =
        api.post(
            invitations(owner), owner.apiKey(), "{\"email\": \"%s\"}".formatted(owner.email()));
    assertThat(member.status()).isEqualTo(409);
    assertThat(Mailbox.invitationsTo(owner.email())).isEmpty();
  }

  @Test
  void usedRevokedExpiredAndUnknownTokensAreNotFound() {
    Account owner = api.newAccount("Token Org");
    Account dave = api.newAccount("Dave's");

    String revokedEmail = fresh("revoked");
    String revoked = Teams.invite(api, owner, revokedEmail, "member");
    String id = api.get(invitations(owner), owner.apiKey()).text("/items/0/id");
    assertThat(api.delete(invitations(owner) + "/" + id, owner.apiKey()).status()).isEqualTo(204);
    assertThat(api.delete(invitations(owner) + "/" + id, owner.apiKey()).status()).isEqualTo(404);

    String expiredEmail = fresh("expired");
    String expired = Teams.invite(api, owner, expiredEmail, "member");
    jdbc.update(
        "UPDATE invitations SET created_at = now() - interval '8 days',"
            + " expires_at = now() - interval '1 day' WHERE email = ?",
        expiredEmail);
    assertThat(api.get(invitations(owner), owner.apiKey()).json().at("/items")).isEmpty();

    for (String token :
        List.of(revoked, expired, "ub_inv_" + "A".repeat(43), "not-a-token", "x".repeat(200))) {
      Response r = api.post("/api/v1/invitations/accept", dave.apiKey(), Teams.token(token));
      assertThat(r.status()).as(token).isEqualTo(404);
      assertThat(r.text("/error")).isEqualTo("not_found");
      assertThat(r.text("/message")).isEqualTo("The invitation was not found.");
    }
    assertThat(api.get("/api/v1/orgs/" + owner.orgId() + "/members", dave.apiKey()).status())
        .isEqualTo(404);

    // An expired invitation no longer blocks inviting the e-mail again.
    String renewed = Teams.invite(api, owner, expiredEmail, "member");
    assertThat(renewed).isNotEqualTo(expired);
    assertThat(api.post("/api/v1/invitations/accept", dave.apiKey(), Teams.token(renewed)).status())
        .isEqualTo(200);
  }

  @Test
  void resendIssuesAFreshTokenAndTheOldOneStopsWorking() {
    Account owner = api.newAccount("Resend Org");
    Account erin = api.newAccount("Erin's");
    String email = fresh("erin");
    String first = Teams.invite(api, owner, email, "member");
    String id = api.get(invitations(owner), owner.apiKey()).text("/items/0/id");

    Response resent = api.post(invitations(owner) + "/" + id + "/resend", owner.apiKey(), "");
    assertThat(resent.status()).as(resent.body()).isEqualTo(200);
    assertThat(resent.text("/id")).isEqualTo(id);
    assertThat(Mailbox.invitationsTo(email)).hasSize(2);
    String second = Mailbox.latestToken(email);
    assertThat(second).isNotEqualTo(first);

    assertThat(api.post("/api/v1/invitations/accept", erin.apiKey(), Teams.token(first)).status())
        .isEqualTo(404);
    assertThat(api.post("/api/v1/invitations/accept", erin.apiKey(), Teams.token(second)).status())
        .isEqualTo(200);
    // Resending an accepted invitation (or an unknown id) is 404.
    assertThat(api.post(invitations(owner) + "/" + id + "/resend", owner.apiKey(), "").status())
        .isEqualTo(404);
    assertThat(
            api.post(invitations(owner) + "/" + UUID.randomUUID() + "/resend", owner.apiKey(), "")
                .status())
        .isEqualTo(404);
  }

  @Test
  void membersMayNotManageInvitationsAndStrangersSeeNothing() {
    Account owner = api.newAccount("Guarded Org");
    Account member = api.newAccount("Member's");
    Account stranger = api.newAccount("Stranger's");
    Teams.join(api, owner, member, "member");
    Teams.invite(api, owner, fresh("pending"), "member");
    String id = api.get(invitations(owner), owner.apiKey()).text("/items/0/id");

    List<String[]> calls =
        List.of(
            new String[] {"POST", invitations(owner), "{\"email\": \"x@example.com\"}"},
            new String[] {"GET", invitations(owner), null},
            new String[] {"DELETE", invitations(owner) + "/" + id, null},
            new String[] {"POST", invitations(owner) + "/" + id + "/resend", ""},
            new String[] {
              "POST", "/api/v1/orgs/" + owner.orgId() + "/members", "{\"email\": \"x@example.com\"}"
            });
    for (String[] c : calls) {
      Response byMember = send(c, member);
      assertThat(byMember.status()).as("%s %s", c[0], c[1]).isEqualTo(403);
      assertThat(byMember.text("/error")).isEqualTo("forbidden");
      Response byStranger = send(c, stranger);
      assertThat(byStranger.status()).as("%s %s", c[0], c[1]).isEqualTo(404);
      assertThat(byStranger.text("/error")).isEqualTo("not_found");
      assertThat(byStranger.body()).doesNotContain("Guarded Org");
    }
    assertThat(api.get(invitations(owner), owner.apiKey()).json().at("/items")).hasSize(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM invitations WHERE org_id = ?", Long.class, owner.orgId()))
        .isEqualTo(2);
    // Accepting needs a signed-in caller.
    assertThat(api.post("/api/v1/invitations/accept", null, Teams.token("x")).status())
        .isEqualTo(401);
  }

  private Response send(String[] call, Account as) {
    return switch (call[0]) {
      case "GET" -> api.get(call[1], as.apiKey());
      case "DELETE" -> api.delete(call[1], as.apiKey());
      default -> api.post(call[1], as.apiKey(), call[2]);
    };
  }

  @Test
  void twoConcurrentAcceptsOfOneTokenMakeExactlyOneMembership() throws Exception {
    Account owner = api.newAccount("Race Org");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 5; round++) {
        Account a = api.newAccount("Racer A");
        Account b = api.newAccount("Racer B");
        String token = Teams.invite(api, owner, fresh("race"), "member");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        for (Account racer : List.of(a, b)) {
          answers.add(
              pool.submit(
                  () -> {
                    start.await();
                    return api.post(
                        "/api/v1/invitations/accept", racer.apiKey(), Teams.token(token));
                  }));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Response> f : answers) {
          statuses.add(f.get().status());
        }
        assertThat(statuses).containsExactlyInAnyOrder(200, 404);
        assertThat(
                jdbc.queryForObject(
                    "SELECT count(*) FROM memberships WHERE org_id = ? AND user_id IN (?, ?)",
                    Long.class,
                    owner.orgId(),
                    a.userId(),
                    b.userId()))
            .isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anInvitationWhoseMailCannotBeSentIsNotCreated() throws Exception {
    Account owner = api.newAccount("Mail Down Org");
    String email = fresh("unlucky");
    String token = Teams.invite(api, owner, email, "member");
    String id = api.get(invitations(owner), owner.apiKey()).text("/items/0/id");
    // The drop directory stops being writable (a file where it should be): sends fail.
    Path aside = Mailbox.DIR.resolveSibling(Mailbox.DIR.getFileName() + ".aside");
    Files.move(Mailbox.DIR, aside);
    Response invite;
    Response resend;
    try {
      Files.writeString(Mailbox.DIR, "not a directory");
      invite =
          api.post(invitations(owner), owner.apiKey(), "{\"email\": \"%s\"}".formatted(fresh("x")));
      resend = api.post(invitations(owner) + "/" + id + "/resend", owner.apiKey(), "");
    } finally {
      Files.delete(Mailbox.DIR);
      Files.move(aside, Mailbox.DIR);
    }
    assertThat(invite.status()).isEqualTo(503);
    assertThat(invite.text("/error")).isEqualTo("unavailable");
    assertThat(resend.status()).isEqualTo(503);
    // Nothing was saved, and the resend's rollback kept the old link working.
    assertThat(
            api.get(invitations(owner), owner.apiKey())
                .json()
                .at("/items")
                .findValuesAsString("email"))
        .containsExactly(email);
    Account invitee = api.newAccount("Invitee's");
    assertThat(
            api.post("/api/v1/invitations/accept", invitee.apiKey(), Teams.token(token)).status())
        .isEqualTo(200);
  }

  @Test
  void hostileInputIsRefusedCleanly() {
    Account owner = api.newAccount("Hostile Org");
    List<String> bodies =
        List.of(
            "{\"email\": \"" + "a".repeat(100_000) + "@example.com\"}",
            "{\"email\": \"ok@example.com\", \"role\": \"owner\\u0000\"}",
            "{\"email\": \"ok@example.com\", \"role\": \"" + "r".repeat(100_000) + "\"}",
            "{\"email\": \"ok@example.com\", \"role\": \"\\uDC00\"}",
            "{\"email\": \"ok@example.com\", \"role\": \"admin\"}",
            "{\"email\": 42}",
            "{}");
    for (String body : bodies) {
      Response r = api.post(invitations(owner), owner.apiKey(), body);
      assertThat(r.status()).as(abbreviate(body) + ": " + r.body()).isEqualTo(400);
      assertThat(r.text("/error")).isIn("invalid_payload", "invalid_json");
      assertThat(r.json().at("/details").isArray()).isTrue();
    }
    assertThat(api.get(invitations(owner), owner.apiKey()).json().at("/items")).isEmpty();

    // NULs and lone surrogates are replaced by U+FFFD (the contract), never stored or mailed as is.
    for (String body :
        List.of(
            "{\"email\": \"a\\u0000b@example.com\"}", "{\"email\": \"\\uD800b@example.com\"}")) {
      Response r = api.post(invitations(owner), owner.apiKey(), body);
      assertThat(r.status()).as(body + ": " + r.body()).isEqualTo(201);
      assertThat(r.text("/email")).isIn("a\uFFFDb@example.com", "\uFFFDb@example.com");
      assertThat(Mailbox.invitationsTo(r.text("/email"))).hasSize(1);
    }

    for (String body :
        List.of(
            "{\"token\": \"" + "t".repeat(100_000) + "\"}",
            "{\"token\": \"\"}",
            "{\"token\": 7}",
            "{}")) {
      Response r = api.post("/api/v1/invitations/accept", owner.apiKey(), body);
      assertThat(r.status()).as(abbreviate(body)).isEqualTo(400);
    }
    for (String body : List.of("{\"token\": \"\\u0000\"}", "{\"token\": \"\\uD800\"}")) {
      Response r = api.post("/api/v1/invitations/accept", owner.apiKey(), body);
      assertThat(r.status()).as(body).isEqualTo(404);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
