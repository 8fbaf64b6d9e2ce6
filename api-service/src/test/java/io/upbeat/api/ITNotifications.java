package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.junit.LocalStackExtension;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The notification outbox delivered for real: a GreenMail SMTP server and a webhook receiver on
 * loopback (private targets allowed, as a self-hosted install would), notifications written to the
 * outbox as the processor writes them.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "upbeat.webhooks.allow-private-targets=true",
      "upbeat.notifications.poll-interval=100ms",
      "upbeat.notifications.retry-backoff=200ms",
      "upbeat.notifications.public-url=https://upbeat.example.com",
      "upbeat.accounts.login-throttle.max-failures-per-address=100000"
    })
class ITNotifications {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  private static final int SMTP_PORT = FreePorts.pick();
  private static final GreenMail SMTP =
      new GreenMail(new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));

  static {
    SMTP.start();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
    registry.add("spring.mail.host", () -> "127.0.0.1");
    registry.add("spring.mail.port", () -> SMTP_PORT);
  }

  @AfterAll
  static void stopSmtp() {
    SMTP.stop();
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  private ApiClient api;
  private Account owner;
  private String appId;

  /** Members of the owner's org, the only people Upbeat mails. */
  private String alice;

  private String bob;
  private String carol;
  private HttpServer receiver;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();

  record Received(Map<String, List<String>> headers, byte[] body) {}

  @BeforeEach
  void setUp() throws Exception {
    api = new ApiClient(port);
    owner = api.newAccount("Notify Org");
    verify(owner);
    appId =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}")
            .text("/id");
    alice = member("alice");
    bob = member("bob");
    carol = member("carol");
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          received.add(
              new Received(
                  Map.copyOf(exchange.getRequestHeaders()),
                  exchange.getRequestBody().readAllBytes()));
          int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    receiver.start();
  }

  @org.junit.jupiter.api.AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  private final Map<String, Account> accounts = new java.util.HashMap<>();

  /** A new account that joined the owner's org as a member; its e-mail. */
  private String member(String name) {
    Account a = api.signup(name + "-" + UUID.randomUUID() + "@example.com", name + "'s org");
    accounts.put(a.email(), a);
    verify(a);
    jdbc.update(
        "INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')",
        owner.orgId(),
        a.userId());
    return a.email();
  }

  private Response createWebhook(String events) {
    return api.post(
        "/api/v1/apps/" + appId + "/webhooks",
        owner.apiKey(),
        "{\"url\": \"http://127.0.0.1:%d/hook\", \"events\": %s}"
            .formatted(receiver.getAddress().getPort(), events));
  }

  private UUID group() {
    UUID id = UUID.randomUUID();
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
          first_seen, last_seen, first_release, last_release)
        VALUES (?, ?::uuid, ?, 'java.lang.NullPointerException', 'user is null',
          'com.shop.UserService.find', 1, ?, ?, 'v1', 'v1')
        """,
        id,
        appId,
        id.toString().replace("-", "").repeat(2),
        now,
        now);
    return id;
  }

  /** A notification as the processor writes it. */
  private UUID notification(UUID group, String kind, String assignee) {
    return notification(group, kind, assignee, "user is null");
  }

  private UUID notification(UUID group, String kind, String assignee, String message) {
    return notification(group, kind, assignee, message, false);
  }

  /**
   * @param dispatched inserted as dispatched already, so that no dispatcher makes its deliveries
   *     (the test makes them)
   */
  private UUID notification(
      UUID group, String kind, String assignee, String message, boolean dispatched) {
    UUID id = UUID.randomUUID();
    String payload =
        JsonMapper.shared()
            .writeValueAsString(
                new java.util.LinkedHashMap<String, Object>() {
                  {
                    put("group_id", group.toString());
                    put("type", "java.lang.NullPointerException");
                    put("message", message);
                    put("culprit", "com.shop.UserService.find");
                    put("release", "v1");
                    put("environment", "production");
                    put("assignee_email", assignee);
                    put(
                        "reason",
                        assignee == null
                            ? null
                            : "commit 9fceb02 by "
                                + assignee
                                + " changed UserService.java lines 40-48");
                  }
                });
    jdbc.update(
        "INSERT INTO notifications (id, app_id, group_id, kind, payload, dispatched_at)"
            + " VALUES (?, ?::uuid, ?, ?, ?::jsonb, CASE WHEN ? THEN now() END)",
        id,
        appId,
        group,
        kind,
        payload,
        dispatched);
    return id;
  }

  private static String hmac(String secret, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
  }

  @Test
  void deliversSignedWebhooksAndEmailsToTheAssignee() throws Exception {
    Response hook = createWebhook("[\"new_error\"]");
    assertThat(hook.status()).as(hook.body()).isEqualTo(201);
    UUID group = group();
    UUID id = notification(group, "new_error", alice);
    notification(group(), "regression", null); // not subscribed: no webhook delivery

    await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 1);
    Received r = received.getFirst();
    assertThat(r.headers().get("X-upbeat-signature"))
        .containsExactly(hmac(hook.text("/secret"), r.body()));
    assertThat(r.headers().get("X-upbeat-delivery")).containsExactly(id.toString());
    assertThat(r.headers().get("X-upbeat-event")).containsExactly("new_error");
    JsonNode body = JsonMapper.shared().readTree(r.body());
    assertThat(body.at("/id").asString()).isEqualTo(id.toString());
    assertThat(body.at("/group/url").asString())
        .isEqualTo("https://upbeat.example.com/apps/" + appId + "/errors/" + group);
    assertThat(body.at("/assignee/email").asString()).isEqualTo(alice);
    assertThat(body.at("/text").asString())
        .startsWith("New error in shop: java.lang.NullPointerException: user is null")
        .contains("Assigned to " + alice + ": commit 9fceb02");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                notificationMails().filter(m -> recipient(m).equals(alice)).count() >= 1
                    && notificationMails().anyMatch(m -> recipient(m).equals(owner.email())));
    MimeMessage[] mails = notificationMails().toArray(MimeMessage[]::new);
    assertThat(
            java.util.Arrays.stream(mails)
                .filter(m -> recipient(m).equals(alice))
                .map(ITNotifications::subject))
        .containsExactly(
            "[Upbeat] New error in shop: java.lang.NullPointerException: user is null");
    // Unassigned: the org's owners hear of it.
    assertThat(java.util.Arrays.stream(mails).map(ITNotifications::recipient))
        .contains(owner.email());

    Response log =
        api.get(
            "/api/v1/apps/" + appId + "/webhooks/" + hook.text("/id") + "/deliveries",
            owner.apiKey());
    assertThat(log.json().at("/items").size()).isEqualTo(1);
    assertThat(log.text("/items/0/status")).isEqualTo("delivered");
    assertThat(log.json().at("/items/0/attempts").asInt()).isEqualTo(1);
    assertThat(log.json().at("/items/0/last_status").asInt()).isEqualTo(204);
  }

  @Test
  void retriesWithBackoffUntilTheReceiverRecovers() {
    failuresLeft.set(2);
    Response hook = createWebhook("[\"regression\"]");
    UUID id = notification(group(), "regression", null);

    String deliveries = "/api/v1/apps/" + appId + "/webhooks/" + hook.text("/id") + "/deliveries";
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> "delivered".equals(api.get(deliveries, owner.apiKey()).text("/items/0/status")));
    Response log = api.get(deliveries, owner.apiKey());
    assertThat(log.json().at("/items/0/attempts").asInt()).isEqualTo(3);
    assertThat(received).hasSize(3);
    // Every attempt carries the same id, for the receiver to deduplicate.
    assertThat(received.stream().map(r -> r.headers().get("X-upbeat-delivery").getFirst()))
        .containsOnly(id.toString());
  }

  @Test
  void aDeliveryClaimedByAWorkerThatDiedIsSentOnceItsLeaseRunsOut() {
    Response hook = createWebhook("[\"assigned\"]");
    // As a worker leaves it when it dies after claiming (attempt counted, lease set) but before
    // recording the outcome: already dispatched, leased until a moment ago. Inserted dispatched, so
    // that the running dispatcher cannot make the delivery first.
    UUID id = notification(group(), "assigned", carol, "user is null", true);
    jdbc.update(
        "INSERT INTO notification_deliveries (notification_id, channel, webhook_id, status,"
            + " attempts, next_attempt_at) VALUES (?, ?, ?::uuid, 'pending', 1,"
            + " now() - interval '1 second')",
        id,
        "webhook:" + hook.text("/id"),
        hook.text("/id"));

    String deliveries = "/api/v1/apps/" + appId + "/webhooks/" + hook.text("/id") + "/deliveries";
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> "delivered".equals(api.get(deliveries, owner.apiKey()).text("/items/0/status")));
    assertThat(api.get(deliveries, owner.apiKey()).json().at("/items/0/attempts").asInt())
        .isEqualTo(2);
    assertThat(received).hasSize(1);
    assertThat(received.getFirst().headers().get("X-upbeat-delivery"))
        .containsExactly(id.toString());
  }

  @Test
  void sendsAtMostOneEmailPerGroupAndRecipientPerHour() {
    UUID group = group();
    notification(group, "new_error", bob);
    notification(group, "regression", bob);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.queryForObject(
                        "SELECT count(*) FROM notification_deliveries d JOIN notifications n"
                            + " ON n.id = d.notification_id WHERE n.group_id = ?"
                            + " AND d.status IN ('delivered', 'suppressed')",
                        Long.class,
                        group)
                    == 2);
    assertThat(
            jdbc.queryForList(
                "SELECT d.status FROM notification_deliveries d JOIN notifications n"
                    + " ON n.id = d.notification_id WHERE n.group_id = ? ORDER BY n.created_at",
                String.class,
                group))
        .containsExactly("delivered", "suppressed");
    assertThat(notificationMails().filter(m -> recipient(m).equals(bob)).count()).isEqualTo(1);
  }

  @Test
  void mailsOnlyMembersOfTheAppsOrg() {
    // An ownership rule or a commit author may name anyone: shown on the error, never mailed.
    String stranger = "stranger-" + UUID.randomUUID() + "@example.org";
    Response hook = createWebhook("[\"new_error\"]");
    UUID id = notification(group(), "new_error", stranger);
    UUID member = notification(group(), "new_error", alice.toUpperCase(java.util.Locale.ROOT));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.queryForObject(
                        "SELECT count(*) FROM notifications WHERE id IN (?, ?)"
                            + " AND dispatched_at IS NOT NULL",
                        Long.class,
                        id,
                        member)
                    == 2);
    assertThat(
            jdbc.queryForList(
                "SELECT channel FROM notification_deliveries WHERE notification_id = ?",
                String.class,
                id))
        .containsExactly("webhook:" + hook.text("/id"));
    assertThat(
            jdbc.queryForList(
                "SELECT channel FROM notification_deliveries WHERE notification_id = ?"
                    + " AND channel LIKE 'email:%'",
                String.class, member))
        .containsExactly("email:" + alice);
    assertThat(SMTP.getReceivedMessagesForDomain("example.org")).isEmpty();
  }

  @Test
  void slackTextEscapesWhatATenantWrote() {
    createWebhook("[\"new_error\"]");
    notification(group(), "new_error", null, "<!channel> <https://evil.example|reset> & more");

    await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 1);
    JsonNode body = JsonMapper.shared().readTree(received.getFirst().body());
    assertThat(body.at("/text").asString())
        .contains("&lt;!channel&gt; &lt;https://evil.example|reset&gt; &amp; more")
        .doesNotContain("<!channel>", "<https://evil")
        .endsWith(
            "<https://upbeat.example.com/apps/"
                + appId
                + "/errors/"
                + body.at("/group/id").asString()
                + ">");
    // The structured fields keep the text as it was.
    assertThat(body.at("/group/message").asString())
        .isEqualTo("<!channel> <https://evil.example|reset> & more");
  }

  @Test
  void eachMemberChoosesKindsAndMutesApps() {
    Account a = accounts.get(alice);
    String settings = "/api/v1/me/notifications";
    assertThat(api.get(settings, a.apiKey()).body())
        .isEqualTo("{\"kinds\":[\"new_error\",\"regression\",\"assigned\"],\"muted_apps\":[]}");
    // Alice wants only assignments; Bob mutes the app; the owner keeps the defaults.
    Response saved =
        api.put(
            settings, a.apiKey(), "application/json", "{\"kinds\": [\"assigned\", \"assigned\"]}");
    assertThat(saved.status()).as(saved.body()).isEqualTo(200);
    assertThat(saved.body()).isEqualTo("{\"kinds\":[\"assigned\"],\"muted_apps\":[]}");
    Response muted =
        api.put(
            settings,
            accounts.get(bob).apiKey(),
            "application/json",
            "{\"kinds\": [\"new_error\", \"regression\", \"assigned\"], \"muted_apps\": [\"%s\"]}"
                .formatted(appId));
    assertThat(muted.json().at("/muted_apps/0").asString()).isEqualTo(appId);

    UUID toAlice = notification(group(), "new_error", alice);
    UUID assignedAlice = notification(group(), "assigned", alice);
    UUID toBob = notification(group(), "new_error", bob);
    UUID toOwners = notification(group(), "regression", null);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.queryForObject(
                        "SELECT count(*) FROM notifications WHERE id IN (?, ?, ?, ?)"
                            + " AND dispatched_at IS NOT NULL",
                        Long.class,
                        toAlice,
                        assignedAlice,
                        toBob,
                        toOwners)
                    == 4);
    assertThat(emailsPlanned(toAlice)).isEmpty();
    assertThat(emailsPlanned(assignedAlice)).containsExactly("email:" + alice);
    assertThat(emailsPlanned(toBob)).isEmpty();
    assertThat(emailsPlanned(toOwners)).containsExactly("email:" + owner.email());
  }

  @Test
  void settingsNameOnlyKnownKindsAndTheCallersOwnApps() {
    Account a = accounts.get(alice);
    Account stranger = api.newAccount("Elsewhere");
    String foreignApp =
        api.post(
                "/api/v1/orgs/" + stranger.orgId() + "/apps",
                stranger.apiKey(),
                "{\"name\": \"x\"}")
            .text("/id");
    for (String body :
        List.of(
            "{\"kinds\": [\"everything\"]}",
            "{\"kinds\": [null]}",
            "{}",
            "{\"kinds\": [], \"muted_apps\": [\"%s\"]}".formatted(foreignApp),
            "{\"kinds\": [], \"muted_apps\": [\"%s\"]}".formatted(UUID.randomUUID()),
            "{\"kinds\": [], \"muted_apps\": [\"not-a-uuid\"]}",
            "{\"kinds\": [\"new_error\\u0000\"]}")) {
      Response r = api.put("/api/v1/me/notifications", a.apiKey(), "application/json", body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.text("/error")).isEqualTo("invalid_payload");
      assertThat(r.body()).doesNotContain("\"x\"");
    }
    assertThat(api.get("/api/v1/me/notifications", a.apiKey()).json().at("/kinds").size())
        .isEqualTo(3);
    // The page saves the same way.
    PageSession browser = new PageSession(port).login(a);
    assertThat(browser.get("/settings/notifications").body())
        .contains("Notification e-mails", "name=\"kinds\"");
    HttpResponse<String> page =
        browser.htmx("POST", "/settings/notifications", "kinds=regression&muted=" + appId, true);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Saved.");
    assertThat(api.get("/api/v1/me/notifications", a.apiKey()).body())
        .isEqualTo("{\"kinds\":[\"regression\"],\"muted_apps\":[\"%s\"]}".formatted(appId));
    assertThat(
            browser
                .htmx("POST", "/settings/notifications", "muted=" + foreignApp, true)
                .statusCode())
        .isEqualTo(400);
  }

  private List<String> emailsPlanned(UUID notification) {
    return jdbc.queryForList(
        "SELECT channel FROM notification_deliveries WHERE notification_id = ?"
            + " AND channel LIKE 'email:%'",
        String.class, notification);
  }

  /** Signs the account's address off as verified, with the link mailed at sign-up. */
  private void verify(Account a) {
    java.util.regex.Pattern link =
        java.util.regex.Pattern.compile("/verify-email\\?token=(ub_ver_[A-Za-z0-9_-]{43})");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                java.util.Arrays.stream(SMTP.getReceivedMessages())
                    .anyMatch(m -> recipient(m).equals(a.email())));
    String token =
        java.util.Arrays.stream(SMTP.getReceivedMessages())
            .filter(m -> recipient(m).equals(a.email()))
            .map(ITNotifications::text)
            .map(link::matcher)
            .filter(java.util.regex.Matcher::find)
            .map(m -> m.group(1))
            .reduce((x, y) -> y)
            .orElseThrow();
    Response r =
        api.post(
            "/api/v1/email-verifications/confirm", null, "{\"token\": \"%s\"}".formatted(token));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  /** The notification e-mails received (not the verification ones). */
  private static java.util.stream.Stream<MimeMessage> notificationMails() {
    return java.util.Arrays.stream(SMTP.getReceivedMessages())
        .filter(
            m -> {
              try {
                return m.getHeader("X-Upbeat-Delivery") != null;
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
  }

  private static String text(MimeMessage m) {
    try {
      return String.valueOf(m.getContent());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anUnverifiedMemberIsNotMailedUntilVerified() {
    Account dana = api.signup("dana-" + UUID.randomUUID() + "@example.com", "Dana's org");
    jdbc.update(
        "INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')",
        owner.orgId(),
        dana.userId());
    UUID before = notification(group(), "assigned", dana.email());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.queryForObject(
                    "SELECT dispatched_at IS NOT NULL FROM notifications WHERE id = ?",
                    Boolean.class,
                    before));
    assertThat(emailsPlanned(before)).isEmpty();

    verify(dana);
    UUID after = notification(group(), "assigned", dana.email());
    await().atMost(Duration.ofSeconds(20)).until(() -> !emailsPlanned(after).isEmpty());
    assertThat(emailsPlanned(after)).containsExactly("email:" + dana.email());
  }

  private static String recipient(MimeMessage m) {
    try {
      return m.getAllRecipients()[0].toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String subject(MimeMessage m) {
    try {
      return m.getSubject();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
