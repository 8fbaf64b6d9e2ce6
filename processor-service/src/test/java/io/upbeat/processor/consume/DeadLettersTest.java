package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** How dead letters get past a producer that cannot deliver them (a unit test: no broker). */
class DeadLettersTest {
  private final List<MockProducer<byte[], byte[]>> made = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private MockProducer<byte[], byte[]> make() {
    var p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    if (made.isEmpty()) {
      // The first producer is broken for good, as one that Kafka refused at its first connection
      // (KAFKA-20237) or that is in a fatal state: every send fails.
      p.sendException = new SaslAuthenticationException("refused");
    }
    made.add(p);
    return p;
  }

  private static ConsumerRecord<byte[], byte[]> record() {
    return new ConsumerRecord<>("events", 3, 42, "k".getBytes(), "not a batch".getBytes());
  }

  @Test
  void noProducerIsMadeBeforeTheFirstLetter() {
    DeadLetters letters = new DeadLetters(this::make, "events.dlq", "errors", meters);
    assertThat(made).isEmpty();
    letters.close();
    assertThat(made).isEmpty();
  }

  @Test
  void aProducerThatFailedALetterIsReplacedAndTheLetterSentAgain() throws Exception {
    DeadLetters letters = new DeadLetters(this::make, "events.dlq", "errors", meters);
    DeadLetters.Pending pending =
        letters.send(record(), DeadLetters.Reason.UNDECODABLE, "not a valid event batch", null);
    assertThat(made).hasSize(1);

    assertThatThrownBy(() -> letters.await(pending))
        .isInstanceOf(DeadLetters.NotDurableException.class)
        .hasMessageContaining("events-3@42");
    assertThat(made).hasSize(2);
    assertThat(made.getFirst().closed()).isTrue();
    assertThat(
            meters
                .counter("upbeat.processor.deadletter.producers.renewed", "pipeline", "errors")
                .count())
        .isEqualTo(1);

    letters.await(pending); // sent again, by the new producer
    assertThat(made.get(1).history()).hasSize(1);
    assertThat(made.get(1).history().getFirst().headers().lastHeader("upbeat-source").value())
        .isEqualTo("events-3@42".getBytes());
    letters.close();
    assertThat(made.get(1).closed()).isTrue();
  }

  @Test
  void aFactoryThatGivesTheSameProducerBackKeepsIt() {
    var only = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    only.sendException = new SaslAuthenticationException("refused");
    DeadLetters letters = new DeadLetters(() -> only, "events.dlq", "errors", meters);
    DeadLetters.Pending pending =
        letters.send(record(), DeadLetters.Reason.UNDECODABLE, "not a valid event batch", null);
    assertThatThrownBy(() -> letters.await(pending))
        .isInstanceOf(DeadLetters.NotDurableException.class);
    assertThat(only.closed()).isFalse();
    only.sendException = null;
    assertThatCode(() -> letters.await(pending)).doesNotThrowAnyException();
    assertThat(only.history()).hasSize(1);
  }
}
