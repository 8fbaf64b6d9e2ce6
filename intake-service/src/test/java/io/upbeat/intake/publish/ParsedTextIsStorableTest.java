package io.upbeat.intake.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.EventBatch;
import io.upbeat.events.Scrubber;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.ParseOutcome;
import io.upbeat.intake.validate.PayloadParser;
import io.upbeat.intake.validate.StorableEscapes;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * What lets {@link EventSink} skip {@link StorableBatch} for {@code /v1/events}: the native
 * receiver's parser (behind {@link StorableEscapes}) and the scrubber already produce storable
 * text, whatever the strings a client sends (NUL, lone surrogates and every other character as
 * escapes, raw UTF-8 otherwise), in names, results, spans (their destinations too), exceptions,
 * frames and contexts.
 */
class ParsedTextIsStorableTest {
  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
  private final PayloadParser parser = new PayloadParser(IntakeLimits.DEFAULTS);
  private final Scrubber scrubber = new Scrubber(List.of("x-secret"));

  @Property(tries = 1000)
  void theNativeReceiversBatchesNeedNoStorablePass(@ForAll String s) {
    String t = NOW.minusSeconds(30).toString();
    String q = json(s);
    String qx = json(s + "x");
    String body =
        """
        {"service": {"name": "shop-web", "environment": "production"},
         "transactions": [
           {"name": %2$s, "type": "request", "timestamp": "%1$s", "duration_ms": 12.5,
            "result": %3$s, "outcome": "success",
            "spans": [{"name": %2$s, "type": %2$s, "start_ms": 1.2, "duration_ms": 3.4,
                       "destination": %2$s}],
            "context": {"request": {"method": "GET", "url": %3$s,
                                    "headers": {%2$s: %3$s, "x-secret": %3$s}},
                        "user": {"id": %3$s}, "tags": {%2$s: %3$s}, "other": [%3$s, {%2$s: 1}]}}
         ],
         "errors": [
           {"timestamp": "%1$s", "transaction_name": %2$s, "culprit": %3$s,
            "exception": {"type": %2$s, "message": %3$s,
                          "stacktrace": [{"module": %3$s, "function": %3$s, "filename": %3$s,
                                          "path": %3$s, "lineno": 42, "in_app": true}],
                          "cause": {"type": %2$s, "message": %3$s}},
            "fingerprint": [%3$s], "context": {"tags": {%2$s: %3$s}}}
         ]}
        """
            .formatted(t, qx, q);
    ParseOutcome outcome =
        parser.parse(
            new StorableEscapes.Stream(
                new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))),
            UUID.randomUUID(),
            UUID.randomUUID(),
            NOW);
    Statistics.collect(outcome.getClass().getSimpleName());
    // Most strings make a valid request, or the property would check little.
    Statistics.coverage(c -> c.check("Valid").percentage(p -> p > 80));
    if (!(outcome instanceof ParseOutcome.Valid valid)) {
      return; // refused as a whole: nothing reaches Kafka
    }
    EventBatch scrubbed = scrubber.batch(valid.batch());
    StorableBatch storable = new StorableBatch();
    assertThat(storable.of(scrubbed)).isSameAs(scrubbed);
    assertThat(storable.replaced()).isZero();
  }

  /**
   * {@code s} as a JSON string a client may send: quotes, backslashes, control characters and every
   * surrogate (paired or not) as escapes, the rest as raw UTF-8.
   */
  private static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
