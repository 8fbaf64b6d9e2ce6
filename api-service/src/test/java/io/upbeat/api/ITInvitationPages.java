package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's side of invitations and members, as a browser uses it: owners invite, resend and
 * revoke on the members page, change roles and remove; anyone leaves; the invitation link's page
 * accepts for a signed-in user and, for a signed-out one, leads through sign-in or sign-up and
 * back.
 */
class ITInvitationPages extends ApiIntegrationTest {

  private static String fresh(String who) {
    return who + "-" + UUID.randomUUID() + "@example.com";
  }

  private String membersPage(Account owner) {
    return "/orgs/" + owner.orgId() + "/members";
  }

  @Test
  void ownersResendAndRevokeOnTheMembersPage() {
    Account alice = api.newAccount("Pages Org");
    Browser browser = new Browser(port).signIn(alice);
    String email = fresh("pat");
    assertThat(browser.post(membersPage(alice), "email", email, "role", "owner").statusCode())
        .isEqualTo(201);
    String first = Mailbox.latestToken(email);

    Document page = Jsoup.parse(browser.get(membersPage(alice)).body());
    assertThat(page.select("#invitation-list tbody tr")).hasSize(1);
    assertThat(page.select("#invitation-list tbody tr").text()).contains(email).contains("owner");
    String resend = page.selectFirst("#invitation-list form:has(button.resend)").attr("action");
    String revoke = page.selectFirst("#invitation-list form:has(button.revoke)").attr("action");

    HttpResponse<String> resent = browser.htmxPost(resend);
    assertThat(resent.statusCode()).isEqualTo(200);
    assertThat(resent.body()).contains("The invitation to " + email + " was sent again.");
    String second = Mailbox.latestToken(email);
    assertThat(second).isNotEqualTo(first);

    HttpResponse<String> revoked = browser.post(revoke);
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(revoked.body()).contains("The invitation was revoked.");
    assertThat(Jsoup.parse(revoked.body()).select("#invitation-list")).isEmpty();

    Account pat = api.newAccount("Pat's");
    for (String token : new String[] {first, second}) {
      assertThat(api.post("/api/v1/invitations/accept", pat.apiKey(), Teams.token(token)).status())
          .isEqualTo(404);
    }
    // A form post without the CSRF token changes nothing.
    assertThat(browser.postWithoutCsrf(membersPage(alice), "email", fresh("csrf")).statusCode())
        .isEqualTo(403);
  }

  @Test
  void aSignedInInviteeAcceptsOnTheLinksPage() {
    Account alice = api.newAccount("Accept Page Org");
    Account bob = api.newAccount("Bob's");
    String token = Teams.invite(api, alice, bob.email(), "member");
    Browser browser = new Browser(port).signIn(bob);

    HttpResponse<String> page = browser.get("/invitations/accept?token=" + token);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    Document doc = Jsoup.parse(page.body());
    assertThat(doc.getElementById("invitation-org").text()).isEqualTo("Accept Page Org");
    assertThat(doc.select("#accept-form input[name=_csrf]")).hasSize(1);
    // Opening the link joined nothing yet.
    assertThat(api.get("/api/v1/orgs/" + alice.orgId() + "/members", bob.apiKey()).status())
        .isEqualTo(404);
    // A cross-site post (no CSRF token) joins nothing either.
    assertThat(browser.postWithoutCsrf("/invitations/accept", "token", token).statusCode())
        .isEqualTo(403);

    HttpResponse<String> accepted = browser.post("/invitations/accept", "token", token);
    assertThat(accepted.statusCode()).isEqualTo(302);
    assertThat(accepted.headers().firstValue("Location").orElseThrow())
        .endsWith("/orgs/" + alice.orgId() + "/members");
    assertThat(api.get("/api/v1/orgs/" + alice.orgId() + "/members", bob.apiKey()).status())
        .isEqualTo(200);

    // Used now: the page and a second accept say the link is not valid.
    HttpResponse<String> used = browser.get("/invitations/accept?token=" + token);
    assertThat(used.statusCode()).isEqualTo(404);
    assertThat(Jsoup.parse(used.body()).getElementById("invitation-invalid")).isNotNull();
    assertThat(browser.post("/invitations/accept", "token", token).statusCode()).isEqualTo(404);
  }

  @Test
  void aSignedOutInviteeSignsInAndComesBackToTheLink() {
    Account alice = api.newAccount("Sign In Org");
    Account bob = api.newAccount("Bob's");
    String token = Teams.invite(api, alice, bob.email(), "member");
    Browser browser = new Browser(port);

    HttpResponse<String> page = browser.get("/invitations/accept?token=" + token);
    assertThat(page.statusCode()).isEqualTo(200);
    Document doc = Jsoup.parse(page.body());
    assertThat(doc.getElementById("accept-form")).isNull();
    String signIn = doc.getElementById("accept-sign-in").attr("href");
    assertThat(signIn).isEqualTo("/login?invitation=" + token);

    HttpResponse<String> form = browser.get(signIn);
    assertThat(Jsoup.parse(form.body()).select("input[name=invitation]").attr("value"))
        .isEqualTo(token);
    // A wrong password keeps the token for the next try.
    HttpResponse<String> wrong =
        browser.post("/login", "email", bob.email(), "password", "wrong", "invitation", token);
    assertThat(wrong.headers().firstValue("Location").orElseThrow())
        .endsWith("/login?error&invitation=" + token);
    HttpResponse<String> login =
        browser.post(
            "/login", "email", bob.email(), "password", bob.password(), "invitation", token);
    assertThat(login.statusCode()).isEqualTo(302);
    assertThat(login.headers().firstValue("Location").orElseThrow())
        .endsWith("/invitations/accept?token=" + token);
    assertThat(browser.post("/invitations/accept", "token", token).statusCode()).isEqualTo(302);
    assertThat(api.get("/api/v1/orgs/" + alice.orgId() + "/members", bob.apiKey()).status())
        .isEqualTo(200);

    // Only an invitation token steers the redirect after sign-in.
    Browser other = new Browser(port);
    other.get("/login");
    HttpResponse<String> steered =
        other.post(
            "/login",
            "email",
            alice.email(),
            "password",
            alice.password(),
            "invitation",
            "x/../../evil.example.com");
    assertThat(steered.headers().firstValue("Location").orElseThrow()).doesNotContain("evil");
  }

  @Test
  void signingUpFromTheLinkJoinsTheOrgButSigningUpAloneDoesNot() {
    Account alice = api.newAccount("Sign Up Org");
    String email = fresh("newbie");
    String token = Teams.invite(api, alice, email, "owner");

    // Someone registering the invited address without the link joins nothing.
    Browser squatter = new Browser(port);
    squatter.get("/signup");
    HttpResponse<String> plain =
        squatter.post(
            "/signup",
            "email",
            email.toUpperCase(),
            "password",
            "correct horse battery",
            "org_name",
            "Squat");
    assertThat(plain.headers().firstValue("Location").orElseThrow()).endsWith("/apps");
    assertThat(squatter.getJson("/api/v1/me").body()).doesNotContain(alice.orgId().toString());

    // The invitee, arriving from the link, signs up with another address and joins.
    Browser browser = new Browser(port);
    Document page = Jsoup.parse(browser.get("/invitations/accept?token=" + token).body());
    String signUp = page.getElementById("accept-sign-up").attr("href");
    Document form = Jsoup.parse(browser.get(signUp).body());
    assertThat(form.select("input[name=invitation]").attr("value")).isEqualTo(token);
    assertThat(form.select("input[name=email]").attr("value")).isEqualTo(email);
    HttpResponse<String> signup =
        browser.post(
            "/signup",
            "email",
            fresh("newbie-other"),
            "password",
            "correct horse battery",
            "org_name",
            "Newbie's",
            "invitation",
            token);
    assertThat(signup.statusCode()).as(signup.body()).isEqualTo(302);
    assertThat(signup.headers().firstValue("Location").orElseThrow())
        .endsWith("/orgs/" + alice.orgId() + "/members");
    assertThat(browser.getJson("/api/v1/me").body())
        .contains(alice.orgId().toString())
        .contains("Sign Up Org");
    assertThat(browser.get(membersPage(alice)).body()).contains("Pending invitations");
  }

  @Test
  void ownersChangeRolesAndRemoveAndAnyoneLeaves() {
    Account alice = api.newAccount("Roles Page Org");
    Account bob = api.newAccount("Bob's");
    Account carol = api.newAccount("Carol's");
    Teams.join(api, alice, bob, "member");
    Teams.join(api, alice, carol, "member");
    Browser owner = new Browser(port).signIn(alice);

    Document page = Jsoup.parse(owner.get(membersPage(alice)).body());
    String bobRow = "#member-list tr[data-user=" + bob.userId() + "]";
    String promote = page.selectFirst(bobRow + " form:has(button.role-change)").attr("action");
    assertThat(page.selectFirst(bobRow + " button.role-change").text()).isEqualTo("Make owner");
    HttpResponse<String> promoted = owner.htmxPost(promote, "role", "owner");
    assertThat(promoted.statusCode()).isEqualTo(200);
    assertThat(promoted.body()).contains(bob.email() + " is now an owner.");

    // The last-owner rule shows as a message, not an error page.
    Browser bobs = new Browser(port).signIn(bob);
    assertThat(bobs.post(membersPage(alice) + "/" + alice.userId() + "/remove").statusCode())
        .isEqualTo(200);
    HttpResponse<String> last =
        bobs.post(membersPage(alice) + "/" + bob.userId() + "/role", "role", "member");
    assertThat(last.statusCode()).isEqualTo(409);
    assertThat(Jsoup.parse(last.body()).getElementById("members-alert").text())
        .contains("at least one owner");

    // A member sees the list and the Leave button, but no management.
    Browser carols = new Browser(port).signIn(carol);
    Document asMember = Jsoup.parse(carols.get(membersPage(alice)).body());
    assertThat(asMember.select("section#members")).hasSize(1);
    assertThat(asMember.text()).doesNotContain("You left");
    assertThat(asMember.select("#member-list tbody tr")).hasSize(2);
    assertThat(asMember.select("button.role-change, button.remove, #invite-form")).isEmpty();
    assertThat(carols.post(membersPage(alice) + "/" + bob.userId() + "/remove").statusCode())
        .isEqualTo(403);
    String leave = asMember.getElementById("leave-form").attr("action");
    HttpResponse<String> left = carols.post(leave);
    assertThat(left.statusCode()).isEqualTo(302);
    assertThat(left.headers().firstValue("Location").orElseThrow()).endsWith("/apps");
    assertThat(carols.get(membersPage(alice)).statusCode()).isEqualTo(404);

    // With htmx, leaving swaps in a note and sends the browser to its apps.
    Account dan = api.newAccount("Dan's");
    String token = Teams.invite(api, alice.orgId(), bob.apiKey(), dan.email(), "member");
    assertThat(api.post("/api/v1/invitations/accept", dan.apiKey(), Teams.token(token)).status())
        .isEqualTo(200);
    HttpResponse<String> leftByHtmx =
        new Browser(port).signIn(dan).htmxPost(membersPage(alice) + "/" + dan.userId() + "/remove");
    assertThat(leftByHtmx.statusCode()).isEqualTo(200);
    assertThat(leftByHtmx.headers().firstValue("HX-Redirect")).hasValue("/apps");
    assertThat(leftByHtmx.body()).contains("You left the organization.");
    assertThat(api.get("/api/v1/orgs/" + alice.orgId() + "/members", dan.apiKey()).status())
        .isEqualTo(404);
  }
}
