package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.EventBatch;
import io.upbeat.events.StackFrame;
import io.upbeat.support.web.ErrorBody;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PayloadParserTest {
  static final Instant NOW = Instant.parse("2026-11-26T10:16:00Z");
  static final UUID APP = UUID.fromString("229b7b64-77fd-4b47-beb9-ca35d8a9d311");

  private final PayloadParser parser = new PayloadParser(IntakeLimits.DEFAULTS);

  private ParseOutcome parse(String json) {
    return parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private ParseOutcome parse(byte[] bytes) {
    return parser.parse(new ByteArrayInputStream(bytes), APP, UUID.randomUUID(), NOW);
  }

  private List<ErrorBody.Detail> details(String json) {
    ParseOutcome outcome = parse(json);
    assertThat(outcome).isInstanceOf(ParseOutcome.InvalidPayload.class);
    return ((ParseOutcome.InvalidPayload) outcome).details();
  }

  private String invalidJson(String json) {
    ParseOutcome outcome = parse(json);
    assertThat(outcome).as(json).isInstanceOf(ParseOutcome.InvalidJson.class);
    return ((ParseOutcome.InvalidJson) outcome).message();
  }

  @Test
  void readsTheContractExampleIntoCanonicalEvents() {
    ParseOutcome outcome = parse(Payloads.valid(NOW));

    assertThat(outcome).isInstanceOf(ParseOutcome.Valid.class);
    EventBatch batch = ((ParseOutcome.Valid) outcome).batch();
    assertThat(batch.appId()).isEqualTo(APP);
    assertThat(batch.receivedAt()).isEqualTo(NOW);
    assertThat(batch.service().name()).isEqualTo("shop-web");
    assertThat(batch.service().agentName()).isEqualTo("upbeat-java");
    assertThat(batch.transactions())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.name()).isEqualTo("GET /users/{id}");
              assertThat(t.durationMs()).isEqualTo(12.5);
              assertThat(t.timestamp()).isEqualTo(NOW.minusSeconds(30));
              assertThat(t.spans()).hasSize(1);
              assertThat(t.contextJson()).contains("\"region\":\"eu\"").doesNotContain(" ");
            });
    assertThat(batch.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.exception().type()).isEqualTo("java.lang.NullPointerException");
              assertThat(e.exception().stacktrace())
                  .containsExactly(
                      new StackFrame(
                          "com.shop.UserService",
                          "find",
                          "UserService.java",
                          "src/main/java/com/shop/UserService.java",
                          42,
                          true));
              assertThat(e.exception().cause()).isNull();
              assertThat(e.fingerprint()).isNull();
            });
  }

  @Test
  void defaultsTheEnvironmentAndIgnoresUnknownFields() {
    String json =
        """
        {"service": {"name": "a", "future": [1]}, "extra": {"x": 1},
         "transactions": [{"name": "n", "type": "t", "timestamp": "2026-11-26T11:15:00+01:00",
                           "duration_ms": 0, "unknown": null}]}
        """;
    EventBatch batch = ((ParseOutcome.Valid) parse(json)).batch();
    assertThat(batch.service().environment()).isEqualTo("production");
    assertThat(batch.transactions().getFirst().timestamp())
        .isEqualTo(Instant.parse("2026-11-26T10:15:00Z"));
  }

  @Test
  void refusesWhatIsNotOneStrictJsonDocument() {
    invalidJson("");
    invalidJson("{\"service\": ");
    invalidJson("{\"service\": {\"name\": \"a\"}} {}");
    invalidJson("{\"service\": {\"name\": \"a\", \"name\": \"b\"}}");
    invalidJson("{\"service\": {\"name\": \"a\"}, /* comment */ \"errors\": []}");
    invalidJson("{\"service\": {\"name\": \"a\"}, \"transactions\": [{\"duration_ms\": NaN}]}");
    invalidJson("{'service': {}}");
    assertThat(parse(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}))
        .isInstanceOf(ParseOutcome.InvalidJson.class);
  }

  @Test
  void namesEachInvalidFieldByItsPath() {
    String json =
        """
        {"service": {"name": "bad/name"},
         "transactions": [
           {"name": "ok", "type": "request", "timestamp": "%s", "duration_ms": 1},
           {"name": "", "type": 7, "timestamp": 1732615000, "duration_ms": -1,
            "spans": [{"start_ms": "1"}]}],
         "errors": [{"timestamp": "%s", "exception": {"stacktrace": [{"lineno": 1.5, "in_app": "yes"}]}}]}
        """
            .formatted(NOW, NOW);
    assertThat(details(json))
        .extracting(ErrorBody.Detail::field)
        .containsExactlyInAnyOrder(
            "service.name",
            "transactions[1].type",
            "transactions[1].timestamp",
            "transactions[1].duration_ms",
            "transactions[1].spans[0].start_ms",
            "transactions[1].name",
            "errors[0].exception.stacktrace[0].lineno",
            "errors[0].exception.stacktrace[0].in_app",
            "errors[0].exception.type");
  }

  @Test
  void requiresTheContractsRequiredFields() {
    assertThat(details("{}")).extracting(ErrorBody.Detail::field).containsExactly("service");
    assertThat(details("{\"service\": {}}"))
        .extracting(ErrorBody.Detail::field)
        .containsExactly("service.name");
    assertThat(
            details("{\"service\": {\"name\": \"a\"}, \"transactions\": [{}], \"errors\": [{}]}"))
        .extracting(ErrorBody.Detail::field)
        .containsExactly(
            "transactions[0].name",
            "transactions[0].type",
            "transactions[0].timestamp",
            "transactions[0].duration_ms",
            "errors[0].timestamp");
    assertThat(details("[]")).extracting(ErrorBody.Detail::field).containsExactly("$");
  }

  @Test
  void refusesTimestampsOutsideTheWindow() {
    String tooOld = NOW.minus(Duration.ofDays(7)).minusSeconds(1).toString();
    String tooNew = NOW.plus(Duration.ofMinutes(5)).plusSeconds(1).toString();
    String fine = NOW.minus(Duration.ofDays(7)).plusSeconds(1).toString();
    String tpl =
        "{\"service\": {\"name\": \"a\"}, \"transactions\": [{\"name\": \"n\", \"type\": \"t\","
            + " \"timestamp\": \"%s\", \"duration_ms\": 1}]}";
    assertThat(details(tpl.formatted(tooOld)).getFirst().problem()).contains("7 days old");
    assertThat(details(tpl.formatted(tooNew)).getFirst().problem()).contains("5 minutes ahead");
    assertThat(details(tpl.formatted("2026-11-26T10:15:00"))).hasSize(1);
    assertThat(parse(tpl.formatted(fine))).isInstanceOf(ParseOutcome.Valid.class);
  }

  @Test
  void enforcesEveryCountAndSizeLimit() {
    IntakeLimits small =
        new IntakeLimits(
            5L * 1024 * 1024, 3, 2, 2, 1, 40, 20, Duration.ofDays(7), Duration.ofMinutes(5));
    PayloadParser strict = new PayloadParser(small);
    String t = NOW.toString();

    assertThat(strict.parse(stream(Payloads.transactions(NOW, 4)), APP, UUID.randomUUID(), NOW))
        .isInstanceOf(ParseOutcome.TooLarge.class);
    assertThat(strict.parse(stream(Payloads.transactions(NOW, 3)), APP, UUID.randomUUID(), NOW))
        .isInstanceOf(ParseOutcome.Valid.class);

    String limits =
        """
        {"service": {"name": "a"},
         "transactions": [{"name": "n", "type": "t", "timestamp": "%s", "duration_ms": 1,
                           "result": "%s", "spans": [{}, {}, {}],
                           "context": {"k": "%s"}}],
         "errors": [{"timestamp": "%s",
                     "exception": {"type": "A", "stacktrace": [{}, {}, {}],
                                   "cause": {"type": "B", "cause": {"type": "C"}}}}]}
        """
            .formatted(t, "x".repeat(21), "y".repeat(40), t);
    ParseOutcome outcome = strict.parse(stream(limits), APP, UUID.randomUUID(), NOW);
    assertThat(((ParseOutcome.InvalidPayload) outcome).details())
        .extracting(ErrorBody.Detail::field)
        .containsExactlyInAnyOrder(
            "transactions[0].result",
            "transactions[0].spans",
            "transactions[0].context",
            "errors[0].exception.stacktrace",
            "errors[0].exception.cause.cause");
  }

  @Test
  void stopsAtFiftyDetails() {
    StringBuilder sb = new StringBuilder("{\"service\": {\"name\": \"a\"}, \"transactions\": [");
    for (int i = 0; i < 200; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"name\": 1}");
    }
    sb.append("]}");
    assertThat(details(sb.toString())).hasSize(50);
  }

  @Test
  void refusesABodyOverTheLimitWhileReadingIt() {
    LimitedInputStream body =
        new LimitedInputStream(stream(Payloads.transactions(NOW, 1000)), 10_000);
    assertThat(parser.parse(body, APP, UUID.randomUUID(), NOW))
        .isInstanceOf(ParseOutcome.TooLarge.class);
    assertThat(body.count()).isLessThan(20_000);
  }

  private static ByteArrayInputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void refusesBodiesThatAreNotWellFormedUtf8() {
    byte[] valid = Payloads.valid(NOW).getBytes(StandardCharsets.UTF_8);
    String marker = "user is null";
    int at = new String(valid, StandardCharsets.ISO_8859_1).indexOf(marker);
    byte[][] bad = {
      {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
      {(byte) 0xE2, (byte) 0x82}, // truncated
      {(byte) 0xFE}, // invalid
    };
    for (byte[] b : bad) {
      byte[] body = valid.clone();
      System.arraycopy(b, 0, body, at, b.length);
      ParseOutcome outcome = parse(body);
      assertThat(outcome).isInstanceOf(ParseOutcome.InvalidJson.class);
      assertThat(((ParseOutcome.InvalidJson) outcome).message())
          .isEqualTo("The request body is not well-formed UTF-8 (at byte " + at + ").");
    }
  }

  @Test
  void takesHostileButWellFormedText() {
    String hostile = "nul \\u0000 lone \\ud800 c0 \\u0001\\u001f rtl \u202E\u200F 4-byte 𝄞😀";
    ParseOutcome outcome =
        parse(
            Payloads.valid(NOW)
                .replace("user is null", hostile)
                .replace("\"eu\"", "\"" + hostile + "\""));
    assertThat(outcome).isInstanceOf(ParseOutcome.Valid.class);
  }

  @Test
  void deepNestingIsInvalidJsonNotAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    for (String body :
        new String[] {
          deep,
          "{\"service\":{\"name\":\"s\"},\"x\":" + deep + "}",
          Payloads.valid(NOW).replace("\"eu\"", deep),
        }) {
      assertThat(parse(body))
          .isInstanceOfAny(ParseOutcome.InvalidJson.class, ParseOutcome.InvalidPayload.class);
    }
  }

  @Test
  void hundredKilobyteStringsAreRefusedByTheStringLimit() {
    String big = "x".repeat(100_000);
    assertThat(details(Payloads.valid(NOW).replace("user is null", big)))
        .extracting(ErrorBody.Detail::field)
        .containsExactly("errors[0].exception.message");
  }
}
