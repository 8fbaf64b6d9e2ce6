package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Member management through the API: members see the list, owners change roles and remove, a member
 * may leave, and an org always keeps an owner, also when two owners act at once.
 */
class ITMembers extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private static String members(Account owner) {
    return "/api/v1/orgs/" + owner.orgId() + "/members";
  }

  private static String role(String role) {
    return "{\"role\": \"%s\"}".formatted(role);
  }

  @Test
  void membersSeeTheListInTheContractsShape() {
    Account owner = api.newAccount("List Org");
    Account member = api.newAccount("Member's");
    Teams.join(api, owner, member, "member");

    Response list = api.get(members(owner), member.apiKey());
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().at("/items")).hasSize(2);
    assertThat(list.json().at("/items/0").propertyNames())
        .containsExactlyInAnyOrder("user", "role");
    assertThat(list.json().at("/items/0/user").propertyNames())
        .containsExactlyInAnyOrder("id", "email", "name");
    assertThat(list.text("/items/0/user/id")).isEqualTo(owner.userId().toString());
    assertThat(list.text("/items/0/user/email")).isEqualTo(owner.email());
    assertThat(list.text("/items/0/user/name")).isEqualTo("Test User");
    assertThat(list.text("/items/0/role")).isEqualTo("owner");
    assertThat(list.text("/items/1/user/id")).isEqualTo(member.userId().toString());
    assertThat(list.text("/items/1/role")).isEqualTo("member");
  }

  @Test
  void ownersChangeRolesAndRemoveMembersMayOnlyLeave() {
    Account owner = api.newAccount("Manage Org");
    Account ann = api.newAccount("Ann's");
    Account ben = api.newAccount("Ben's");
    Teams.join(api, owner, ann, "member");
    Teams.join(api, owner, ben, "member");

    // A member may neither change roles nor remove someone else.
    Response promoteSelf =
        api.patch(members(owner) + "/" + ann.userId(), ann.apiKey(), role("owner"));
    assertThat(promoteSelf.status()).isEqualTo(403);
    assertThat(promoteSelf.text("/error")).isEqualTo("forbidden");
    assertThat(api.delete(members(owner) + "/" + ben.userId(), ann.apiKey()).status())
        .isEqualTo(403);

    Response promoted =
        api.patch(members(owner) + "/" + ann.userId(), owner.apiKey(), role("owner"));
    assertThat(promoted.status()).as(promoted.body()).isEqualTo(200);
    assertThat(promoted.text("/role")).isEqualTo("owner");
    assertThat(promoted.text("/user/id")).isEqualTo(ann.userId().toString());
    // Now an owner, Ann may remove Ben.
    assertThat(api.delete(members(owner) + "/" + ben.userId(), ann.apiKey()).status())
        .isEqualTo(204);
    assertThat(api.get(members(owner), ben.apiKey()).status()).isEqualTo(404);

    // A member leaves by removing themselves.
    Teams.join(api, owner, ben, "member");
    assertThat(api.delete(members(owner) + "/" + ben.userId(), ben.apiKey()).status())
        .isEqualTo(204);
    assertThat(api.get(members(owner), ben.apiKey()).status()).isEqualTo(404);
    assertThat(
            api.get(members(owner), owner.apiKey()).json().at("/items").findValuesAsString("email"))
        .containsExactly(owner.email(), ann.email());

    // Not a member (any more), unknown, malformed: 404; a bad role: 400.
    for (String id : List.of(ben.userId().toString(), UUID.randomUUID().toString(), "nope")) {
      assertThat(api.patch(members(owner) + "/" + id, owner.apiKey(), role("member")).status())
          .isEqualTo(404);
      assertThat(api.delete(members(owner) + "/" + id, owner.apiKey()).status()).isEqualTo(404);
    }
    for (String body :
        List.of(
            role("admin"),
            role("owner\\u0000"),
            role("\\uD800"),
            role("o".repeat(100_000)),
            "{\"role\": null}",
            "{}")) {
      Response r = api.patch(members(owner) + "/" + ann.userId(), owner.apiKey(), body);
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.text("/details/0/field")).isEqualTo("role");
    }
  }

  @Test
  void theLastOwnerCanNeitherBeDemotedNorRemoved() {
    Account owner = api.newAccount("Last Owner Org");
    Account member = api.newAccount("Member's");
    Teams.join(api, owner, member, "member");

    Response demote =
        api.patch(members(owner) + "/" + owner.userId(), owner.apiKey(), role("member"));
    assertThat(demote.status()).isEqualTo(409);
    assertThat(demote.text("/error")).isEqualTo("conflict");
    Response leave = api.delete(members(owner) + "/" + owner.userId(), owner.apiKey());
    assertThat(leave.status()).isEqualTo(409);
    assertThat(leave.text("/error")).isEqualTo("conflict");
    // Re-stating the owner's own role is no change and allowed.
    assertThat(
            api.patch(members(owner) + "/" + owner.userId(), owner.apiKey(), role("owner"))
                .status())
        .isEqualTo(200);

    // With a second owner, the first may step down.
    assertThat(
            api.patch(members(owner) + "/" + member.userId(), owner.apiKey(), role("owner"))
                .status())
        .isEqualTo(200);
    assertThat(api.delete(members(owner) + "/" + owner.userId(), owner.apiKey()).status())
        .isEqualTo(204);
    assertThat(
            api.get(members(owner), member.apiKey()).json().at("/items").findValuesAsString("role"))
        .containsExactly("owner");
  }

  @Test
  void twoOwnersDemotingOrRemovingEachOtherAtOnceLeaveOneOwner() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 6; round++) {
        Account a = api.newAccount("Race Org " + round);
        Account b = api.newAccount("Racer");
        Teams.join(api, a, b, "owner");
        String path = members(a);
        // Alternate demotion and removal, and mix them.
        Function<Account[], Response> act =
            switch (round % 3) {
              case 0 -> p -> api.patch(path + "/" + p[1].userId(), p[0].apiKey(), role("member"));
              case 1 -> p -> api.delete(path + "/" + p[1].userId(), p[0].apiKey());
              default ->
                  p ->
                      p[0] == a
                          ? api.patch(path + "/" + p[1].userId(), p[0].apiKey(), role("member"))
                          : api.delete(path + "/" + p[1].userId(), p[0].apiKey());
            };
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        for (Account[] pair : List.of(new Account[] {a, b}, new Account[] {b, a})) {
          answers.add(
              pool.submit(
                  () -> {
                    start.await();
                    return act.apply(pair);
                  }));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Response> f : answers) {
          statuses.add(f.get().status());
        }
        assertThat(statuses).as("round %d", round).containsAnyOf(409, 403, 404);
        assertThat(statuses).as("round %d", round).containsAnyOf(200, 204);
        assertThat(
                jdbc.queryForObject(
                    "SELECT count(*) FROM memberships WHERE org_id = ? AND role = 'owner'",
                    Long.class,
                    a.orgId()))
            .as("round %d", round)
            .isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
