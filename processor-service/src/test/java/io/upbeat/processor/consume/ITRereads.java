package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.events.EventBatchCodec;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records held without their values come back whole from the real embedded Kafka: the same values
 * and headers at the same offsets, the records not held left out, and a failure when an offset
 * cannot be read.
 */
class ITRereads {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private PipelineFixture f;
  private Rereads rereads;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", 2);
    rereads = new Rereads(f.topic, f::rereader, Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() throws Exception {
    rereads.close();
    f.close();
  }

  @Test
  void heldRecordsComeBackWholeWithoutTheOnesNotHeld() throws Exception {
    UUID app = UUID.randomUUID();
    for (int i = 0; i < 12; i++) {
      f.send(i % 2, batch(app, List.of(txn("GET /" + i, i)), List.of()));
    }
    List<ConsumerRecord<byte[], byte[]>> read = readAll(1, 6);
    List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : read) {
      if (r.offset() != read.get(2).offset()) { // one left out, as a skipped record would be
        ConsumerRecord<byte[], byte[]> h = rereads.held(r);
        assertThat(h.value()).isNull();
        assertThat(h.headers()).isEmpty();
        assertThat(h.offset()).isEqualTo(r.offset());
        held.add(h);
      }
    }

    List<ConsumerRecord<byte[], byte[]>> whole = rereads.whole(held);

    assertThat(whole).hasSize(5);
    for (int i = 0; i < whole.size(); i++) {
      ConsumerRecord<byte[], byte[]> original = read.get(i < 2 ? i : i + 1);
      assertThat(whole.get(i).offset()).isEqualTo(original.offset());
      assertThat(whole.get(i).partition()).isEqualTo(1);
      assertThat(whole.get(i).value()).isEqualTo(original.value());
      assertThat(whole.get(i).headers().lastHeader(EventBatchCodec.PARTS_HEADER).value())
          .isEqualTo(original.headers().lastHeader(EventBatchCodec.PARTS_HEADER).value());
    }
    // Kept values: nothing is stripped, nothing read again.
    assertThat(Rereads.KEEP.held(read.getFirst())).isSameAs(read.getFirst());
    assertThat(Rereads.KEEP.whole(read)).isSameAs(read);
  }

  @Test
  void anOffsetThatCannotBeReadFailsTheReread() throws Exception {
    UUID app = UUID.randomUUID();
    f.send(0, batch(app, List.of(txn("GET /a", 1)), List.of()));
    ConsumerRecord<byte[], byte[]> r = readAll(0, 1).getFirst();
    ConsumerRecord<byte[], byte[]> beyond =
        new ConsumerRecord<>(f.topic, 0, r.offset() + 50, new byte[0], new byte[0]);

    assertThatThrownBy(() -> rereads.whole(List.of(rereads.held(r), rereads.held(beyond))))
        .isInstanceOf(Rereads.RereadException.class)
        .hasMessageContaining("offset " + (r.offset() + 50));
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(int partition, int count) {
    List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = f.rereader()) {
      TopicPartition tp = new TopicPartition(f.topic, partition);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (read.size() < count && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(read::add);
      }
    }
    assertThat(read).hasSize(count);
    return read;
  }
}
