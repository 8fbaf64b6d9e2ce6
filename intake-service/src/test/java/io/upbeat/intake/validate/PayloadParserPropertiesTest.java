package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random mutations of a valid body: the parser always classifies them (never throws), only a {@link
 * ParseOutcome.Valid} produces events, and what it produces survives the Kafka codec.
 */
class PayloadParserPropertiesTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:16:00Z");
  private static final String VALID = Payloads.valid(NOW);
  private final PayloadParser parser = new PayloadParser(IntakeLimits.DEFAULTS);

  @Property(tries = 2000)
  void mutatedBodiesAreAlwaysClassified(@ForAll("mutations") byte[] body) {
    ParseOutcome outcome =
        parser.parse(new ByteArrayInputStream(body), UUID.randomUUID(), UUID.randomUUID(), NOW);

    assertThat(outcome).isNotNull();
    switch (outcome) {
      case ParseOutcome.Valid v -> {
        EventBatch batch = v.batch();
        assertThat(EventBatchCodec.decode(EventBatchCodec.encode(batch))).isEqualTo(batch);
      }
      case ParseOutcome.InvalidPayload p ->
          assertThat(p.details()).isNotEmpty().hasSizeLessThanOrEqualTo(50);
      case ParseOutcome.InvalidJson j -> assertThat(j.message()).isNotBlank();
      case ParseOutcome.TooLarge t -> assertThat(t.message()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<byte[]> mutations() {
    return BodyMutations.of(VALID.getBytes(StandardCharsets.UTF_8));
  }
}
