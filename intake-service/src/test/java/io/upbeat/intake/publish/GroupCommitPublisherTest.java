package io.upbeat.intake.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.intake.publish.GroupCommitPublisher.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitPublisherTest {
  private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
  private GroupCommitPublisher publisher;

  @AfterEach
  void close() {
    if (publisher != null) {
      publisher.close();
    }
  }

  private MockProducer<byte[], byte[]> newMock() {
    MockProducer<byte[], byte[]> p =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    producers.add(p);
    return p;
  }

  private GroupCommitPublisher publisher(
      Supplier<Producer<byte[], byte[]>> factory, int queueCapacity) {
    return publisher(factory, queueCapacity, Duration.ofSeconds(2));
  }

  private GroupCommitPublisher publisher(
      Supplier<Producer<byte[], byte[]>> factory, int queueCapacity, Duration deadline) {
    publisher =
        new GroupCommitPublisher(
            worker -> factory.get(),
            1,
            queueCapacity,
            100,
            Duration.ofMillis(20),
            deadline,
            Duration.ofMillis(500),
            new PublisherMetrics(new SimpleMeterRegistry()));
    return publisher;
  }

  private static ProducerRecord<byte[], byte[]> record(int i) {
    return new ProducerRecord<>("events", ("r" + i).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void commitsConcurrentRequestsTogether() throws Exception {
    MockProducer<byte[], byte[]> mock = newMock();
    publisher(() -> mock, 1000);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<Outcome>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int n = i;
        results.add(pool.submit(() -> publisher.publish(record(n))));
      }
      for (Future<Outcome> f : results) {
        assertThat(f.get()).isEqualTo(Outcome.COMMITTED);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(mock.history()).hasSize(200);
    assertThat(mock.commitCount()).isLessThan(200).isPositive();
  }

  @Test
  void aFailedCommitFailsEveryRequestInItAndWritesNothing() {
    MockProducer<byte[], byte[]> mock = newMock();
    mock.commitTransactionException = new KafkaException("broker gone");
    publisher(() -> mock, 10);

    assertThat(publisher.publish(record(1))).isEqualTo(Outcome.FAILED);
    assertThat(mock.history()).isEmpty();
    assertThat(mock.transactionAborted()).isTrue();

    mock.commitTransactionException = null;
    assertThat(publisher.publish(record(2))).isEqualTo(Outcome.COMMITTED);
    assertThat(mock.history()).hasSize(1);
  }

  @Test
  void replacesAProducerThatCannotStart() {
    AtomicInteger made = new AtomicInteger();
    publisher(
        () -> {
          MockProducer<byte[], byte[]> p = newMock();
          if (made.incrementAndGet() == 1) {
            p.initTransactionException = new KafkaException("no coordinator");
          }
          return p;
        },
        10);

    assertThat(publisher.publish(record(1))).isEqualTo(Outcome.COMMITTED);
    assertThat(publisher.publish(record(2))).isEqualTo(Outcome.COMMITTED);
    assertThat(made.get()).isEqualTo(2);
    assertThat(producers.get(0).history()).isEmpty();
    assertThat(producers.get(1).history()).hasSize(2);
  }

  @Test
  void aRequestWithdrawnAtItsDeadlineIsNeverWritten() {
    CountDownLatch kafkaBack = new CountDownLatch(1);
    MockProducer<byte[], byte[]> mock = newMock();
    publisher(
        () -> {
          try {
            kafkaBack.await(); // Kafka is unreachable: no producer, nothing is taken
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return mock;
        },
        10,
        Duration.ofMillis(200));

    long start = System.nanoTime();
    assertThat(publisher.publish(record(1))).isEqualTo(Outcome.FAILED);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(200))
        .isLessThan(Duration.ofSeconds(2));

    kafkaBack.countDown();
    assertThat(publisher.publish(record(2))).isEqualTo(Outcome.COMMITTED);
    assertThat(mock.history())
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly("r2");
  }

  @Test
  void aFullQueueRejectsAtOnce() throws Exception {
    CountDownLatch inFactory = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    publisher(
        () -> {
          inFactory.countDown();
          try {
            never.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return newMock();
        },
        1,
        Duration.ofSeconds(5));
    inFactory.await(); // the worker is stuck starting a producer; the queue holds one request
    Thread.ofVirtual().start(() -> publisher.publish(record(1)));
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> publisher.publish(record(2)) == Outcome.REJECTED);
    never.countDown();
  }
}
