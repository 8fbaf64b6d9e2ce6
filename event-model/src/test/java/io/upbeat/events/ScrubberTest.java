package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ScrubberTest {
  private final Scrubber scrubber = Scrubber.DEFAULT;

  @Test
  void keysAtAnyDepthCaseInsensitiveSubstrings() {
    String json =
        "{\"request\":{\"method\":\"GET\",\"headers\":{\"Authorization\":\"Bearer abc\","
            + "\"X-Auth-Token\":\"t1\",\"Accept\":\"*/*\",\"Set-Cookie\":[\"a=1\",\"b=2\"]},"
            + "\"body\":{\"user\":\"ann\",\"PASSWORD\":\"hunter2\",\"nested\":{\"deep\":"
            + "{\"db_passwd\":12345}}}},\"user\":{\"id\":\"42\",\"session_id\":{\"x\":[1,{\"y\":2}]}},"
            + "\"tags\":{\"api_key\":\"k\",\"region\":\"eu\"},\"custom\":{\"csrfToken\":null}}";
    assertThat(scrubber.json(json))
        .isEqualTo(
            "{\"request\":{\"method\":\"GET\",\"headers\":{\"Authorization\":\"[Filtered]\","
                + "\"X-Auth-Token\":\"[Filtered]\",\"Accept\":\"*/*\",\"Set-Cookie\":\"[Filtered]\"},"
                + "\"body\":{\"user\":\"ann\",\"PASSWORD\":\"[Filtered]\",\"nested\":{\"deep\":"
                + "{\"db_passwd\":\"[Filtered]\"}}}},\"user\":{\"id\":\"42\",\"session_id\":"
                + "\"[Filtered]\"},\"tags\":{\"api_key\":\"[Filtered]\",\"region\":\"eu\"},"
                + "\"custom\":{\"csrfToken\":null}}");
  }

  @Test
  void arraysOfObjectsAreWalked() {
    assertThat(scrubber.json("[{\"secret\":\"s\"},{\"ok\":[\"x\",{\"ssn\":\"078-05-1120\"}]}]"))
        .isEqualTo("[{\"secret\":\"[Filtered]\"},{\"ok\":[\"x\",{\"ssn\":\"[Filtered]\"}]}]");
  }

  @Test
  void cleanJsonIsTheSameInstance() {
    String json = "{\"request\":{\"url\":\"/a?page=2\",\"headers\":{\"accept\":\"x\"}},\"n\":1}";
    assertThat(scrubber.json(json)).isSameAs(json);
  }

  @Test
  void escapedKeysAndValuesAreDecodedBeforeMatching() {
    assertThat(scrubber.json("{\"pass\\u0077ord\":\"x\\\"y\",\"a\\\"b\":\"q\\\"\"}"))
        .isEqualTo("{\"pass\\u0077ord\":\"[Filtered]\",\"a\\\"b\":\"q\\\"\"}");
    assertThat(scrubber.json("{\"note\":\"card\\n4111111111111111\\\"\"}"))
        .isEqualTo("{\"note\":\"card\\n[Filtered]\\\"\"}");
  }

  @Test
  void appKeysAddToTheDefaults() {
    Scrubber app = new Scrubber(List.of("Iban", "пароль"));
    assertThat(
            app.json("{\"customer_IBAN\":\"DE89\",\"ПАРОЛЬ\":\"x\",\"token\":\"t\",\"a\":\"b\"}"))
        .isEqualTo(
            "{\"customer_IBAN\":\"[Filtered]\",\"ПАРОЛЬ\":\"[Filtered]\",\"token\":\"[Filtered]\","
                + "\"a\":\"b\"}");
    assertThat(scrubber.sensitiveKey("customer_iban")).isFalse();
  }

  @Test
  void urlQueryValues() {
    assertThat(scrubber.value("https://x.io/p?token=abc&page=2"))
        .isEqualTo("https://x.io/p?token=[Filtered]&page=2");
    assertThat(scrubber.value("/p?page=2&Session_ID=s;api%5Fkey=k&x=1#frag&token=t"))
        .isEqualTo("/p?page=2&Session_ID=[Filtered];api%5Fkey=[Filtered]&x=1#frag&token=t");
    assertThat(scrubber.value("/p?my+password=a%20b&pass%77ord=z"))
        .isEqualTo("/p?my+password=[Filtered]&pass%77ord=[Filtered]");
    assertThat(scrubber.value("/p?page=2")).isEqualTo("/p?page=2");
    assertThat(scrubber.value("/p?%zz=1&%=2&token")).isEqualTo("/p?%zz=1&%=2&token");
    assertThat(
            scrubber.json(
                "{\"request\":{\"url\":{\"full\":\"http://h/?csrf=1\",\"search\":\"?token=2\"},"
                    + "\"body\":\"user=ann&password=hunter2\",\"note\":\"user=ann&password=x\"}}"))
        .isEqualTo(
            "{\"request\":{\"url\":{\"full\":\"http://h/?csrf=[Filtered]\","
                + "\"search\":\"?token=[Filtered]\"},\"body\":\"user=ann&password=[Filtered]\","
                + "\"note\":\"user=ann&password=x\"}}");
  }

  @Test
  void luhnNumbersInAnyString() {
    assertThat(scrubber.text("paid with 4111111111111111.")).isEqualTo("paid with [Filtered].");
    assertThat(scrubber.text("4111 1111 1111 1111")).isEqualTo("[Filtered]");
    assertThat(scrubber.text("card=4111-1111-1111-1111, ok")).isEqualTo("card=[Filtered], ok");
    assertThat(scrubber.text("amex 378282246310005 visa13 4222222222222"))
        .isEqualTo("amex [Filtered] visa13 [Filtered]");
    assertThat(scrubber.text("19: 6011000990139424124 ok")).isEqualTo("19: [Filtered] ok");
    assertThat(scrubber.text("ref 12 4111 1111 1111 1111")).isEqualTo("ref 12 [Filtered]");
    // Groups longer than 19 digits are in no window, but the groups beside them still are.
    assertThat(scrubber.text("12345678901234567890123 4111 1111 1111 1111"))
        .isEqualTo("12345678901234567890123 [Filtered]");
    assertThat(scrubber.text("4111-1111-1111-1111-12345678901234567890123"))
        .isEqualTo("[Filtered]-12345678901234567890123");
    // As cards are printed: fours with a shorter last group, American Express, Diners Club.
    assertThat(scrubber.text("6011 0009 9013 9424 124 and 4222 2222 2222 2"))
        .isEqualTo("[Filtered] and [Filtered]");
    assertThat(scrubber.text("amex 3782 822463 10005, diners 3056-930902-5904"))
        .isEqualTo("amex [Filtered], diners [Filtered]");
  }

  @Test
  void digitGroupsNotPrintedLikeCardsAreKept() {
    // A UUID whose leading groups are all digits: 16 Luhn-valid digits across 8-4-4 groups.
    assertThat(luhnValid("9258991394411771")).isTrue();
    String uuid = "/orders/92589913-9441-1771-4c2a-8f1e0b3d5a6e";
    assertThat(scrubber.text(uuid)).isSameAs(uuid);
    assertThat(scrubber.text("probe-457-92589913-9441-1771-ad02"))
        .isEqualTo("probe-457-92589913-9441-1771-ad02");
    // 3-4-4-4: Luhn-valid as a whole, and no card-like window inside.
    assertThat(luhnValid("566703384916362")).isTrue();
    assertThat(scrubber.text("tel 566 7033 8491 6362")).isEqualTo("tel 566 7033 8491 6362");
    // Groups of one or two digits, however many.
    assertThat(luhnValid("4111111111111111")).isTrue();
    assertThat(scrubber.text("41-11-11-11-11-11-11-11")).isEqualTo("41-11-11-11-11-11-11-11");
    assertThat(scrubber.text("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"))
        .isEqualTo("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1");
    // The same digits as a card prints them are filtered.
    assertThat(scrubber.text("9258 9913 9441 1771")).isEqualTo("[Filtered]");
  }

  @Test
  void nonCardNumbersAreKept() {
    // Not Luhn-valid.
    assertThat(scrubber.text("order 4111111111111112")).isEqualTo("order 4111111111111112");
    // 12 digits (Luhn-valid) and 20 digits (Luhn-valid) are not card numbers.
    assertThat(luhnValid("411111111117")).isTrue();
    assertThat(scrubber.text("id 411111111117")).isEqualTo("id 411111111117");
    String twenty = "41111111111111111115";
    assertThat(luhnValid(twenty)).isTrue();
    assertThat(scrubber.text("n " + twenty)).isEqualTo("n " + twenty);
    // Touching letters: hexadecimal ids.
    assertThat(scrubber.text("abc4111111111111111def")).isEqualTo("abc4111111111111111def");
    // Two separators in a row end the number.
    assertThat(scrubber.text("4111  1111  1111  1111")).isEqualTo("4111  1111  1111  1111");
    String plain = "nothing here";
    assertThat(scrubber.text(plain)).isSameAs(plain);
  }

  @Test
  void jsonNumbersAreNotStrings() {
    String json = "{\"ts\":4111111111111111,\"s\":\"4111111111111111\"}";
    assertThat(scrubber.json(json)).isEqualTo("{\"ts\":4111111111111111,\"s\":\"[Filtered]\"}");
  }

  @Test
  void hostileInputsStayLinear() {
    String digits = "1".repeat(100_000);
    String dashed = "1-".repeat(50_000) + "1";
    String spaced = "4 ".repeat(50_000) + "4";
    String query = "?" + "a=1&".repeat(25_000);
    String key = "{\"" + "p".repeat(100_000) + "\":\"x\"}";
    String deep = "[".repeat(50_000) + "]".repeat(50_000);
    Scrubber many = new Scrubber(java.util.Collections.nCopies(100, "p".repeat(99) + "q"));
    for (int round = 0; round < 3; round++) { // the last round is warm
      long start = System.nanoTime();
      scrubber.text(digits);
      scrubber.text(dashed);
      scrubber.text(spaced);
      scrubber.text("4111 1111 1111 1111 ".repeat(5_000));
      scrubber.value(query);
      many.json(key);
      scrubber.json(deep);
      many.value(query.replace("a=", "p".repeat(200) + "="));
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (round == 2) {
        assertThat(ms).as("8 hostile 100 KB inputs, ms").isLessThan(500);
      }
    }
    assertThat(scrubber.text(digits)).isSameAs(digits);
    // Single digits are not grouped as cards are printed.
    assertThat(scrubber.text(dashed)).isSameAs(dashed);
    assertThat(scrubber.text(spaced)).isSameAs(spaced);
    String cards = "4111 1111 1111 1111 ".repeat(5_000).strip();
    assertThat(scrubber.text(cards)).isEqualTo("[Filtered] ".repeat(5_000).strip());
    assertThat(many.json(key)).isEqualTo(key);
  }

  @Test
  void batchScrubsMessagesNamesAndContextsButNotIds() {
    String card = "4111111111111111";
    ErrorEvent error =
        new ErrorEvent(
            card,
            Instant.EPOCH,
            null,
            "GET /pay/" + card,
            "error",
            null,
            new ExceptionInfo(
                "Boom", "card " + card, List.of(), new ExceptionInfo("Cause", card, null, null)),
            null,
            "{\"password\":\"p\"}",
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331");
    TransactionEvent tx =
        new TransactionEvent(
            "t",
            "trace",
            "GET /x",
            "request",
            Instant.EPOCH,
            1,
            null,
            null,
            List.of(
                new Span(
                    "SELECT " + card,
                    "db",
                    0.0,
                    1.0,
                    "00f067aa0ba902b7",
                    "t",
                    "pay-" + card + ":443",
                    "success")),
            null,
            "b7ad6b7169203331",
            true);
    EventBatch b =
        new EventBatch(
            UUID.randomUUID(),
            UUID.randomUUID(),
            Instant.EPOCH,
            new ServiceInfo("svc", null, null, null, null, null, null),
            List.of(tx),
            List.of(error),
            List.of(),
            List.of(),
            List.of(),
            List.of(
                new DestinationMetric(
                    "pay-" + card + ":443", Instant.EPOCH, 1, 0, 1, 1, 1, new byte[] {1})));
    EventBatch out = scrubber.batch(b);
    // The service map's count names the destination its spans name.
    assertThat(out.destinationMetrics().getFirst().destination()).isEqualTo("pay-[Filtered]:443");
    assertThat(out.destinationMetrics().getFirst().sketch()).containsExactly(1);
    ErrorEvent e = out.errors().getFirst();
    assertThat(e.id()).isEqualTo(card);
    assertThat(e.transactionName()).isEqualTo("GET /pay/[Filtered]");
    assertThat(e.exception().message()).isEqualTo("card [Filtered]");
    assertThat(e.exception().cause().message()).isEqualTo("[Filtered]");
    assertThat(e.contextJson()).isEqualTo("{\"password\":\"[Filtered]\"}");
    assertThat(e.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(e.parentId()).isEqualTo("b7ad6b7169203331");
    TransactionEvent t = out.transactions().getFirst();
    assertThat(t.parentId()).isEqualTo("b7ad6b7169203331");
    assertThat(t.sampled()).isTrue();
    assertThat(t.spans().getFirst())
        .isEqualTo(
            new Span(
                "SELECT [Filtered]",
                "db",
                0.0,
                1.0,
                "00f067aa0ba902b7",
                "t",
                "pay-[Filtered]:443",
                "success"));
    EventBatch clean =
        new EventBatch(
            b.batchId(),
            b.appId(),
            b.receivedAt(),
            b.service(),
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of());
    assertThat(scrubber.batch(clean)).isSameAs(clean);
  }

  private static boolean luhnValid(String digits) {
    int sum = 0;
    for (int i = 0; i < digits.length(); i++) {
      int d = digits.charAt(digits.length() - 1 - i) - '0';
      if (i % 2 == 1) {
        d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      }
      sum += d;
    }
    return sum % 10 == 0;
  }
}
