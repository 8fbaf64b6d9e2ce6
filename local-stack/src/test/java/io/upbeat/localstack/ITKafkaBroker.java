package io.upbeat.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ITKafkaBroker {
  @TempDir Path dir;

  @Test
  void keepsTopicsAndRecordsAcrossRestartOnTheSameDirectory() throws Exception {
    Path logDir = dir.resolve("kafka");
    try (KafkaBroker broker = KafkaBroker.start(logDir, Map.of())) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1))).all().get();
      }
      try (KafkaProducer<String, String> producer = producer(broker)) {
        producer.send(new ProducerRecord<>("kept", 0, "k", "before restart")).get();
      }
    }

    try (KafkaBroker broker = KafkaBroker.start(logDir, Map.of())) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        assertThat(admin.listTopics().names().get()).contains("kept");
      }
      assertThat(readAll(broker, new TopicPartition("kept", 0))).containsExactly("before restart");
    }
  }

  @Test
  void aSaslBrokerServesOnlyClientsThatLogIn() throws Exception {
    try (KafkaBroker broker =
        KafkaBroker.startSaslPlain(
            dir.resolve("sasl"), Map.of(), Map.of("upbeat", "upbeat-secret"))) {
      Map<String, Object> good =
          new HashMap<>(KafkaBroker.saslPlainClient("upbeat", "upbeat-secret"));
      good.put("bootstrap.servers", broker.bootstrapServers());
      try (Admin admin = Admin.create(good)) {
        admin.createTopics(List.of(new NewTopic("secured", 1, (short) 1))).all().get();
        assertThat(admin.listTopics().names().get()).contains("secured");
      }

      Map<String, Object> wrong = new HashMap<>(KafkaBroker.saslPlainClient("upbeat", "wrong"));
      wrong.put("bootstrap.servers", broker.bootstrapServers());
      wrong.put("default.api.timeout.ms", 5000);
      wrong.put("request.timeout.ms", 2000);
      try (Admin admin = Admin.create(wrong)) {
        assertThatThrownBy(() -> admin.listTopics().names().get())
            .hasCauseInstanceOf(SaslAuthenticationException.class);
      }

      Map<String, Object> plain = new HashMap<>();
      plain.put("bootstrap.servers", broker.bootstrapServers());
      plain.put("default.api.timeout.ms", 3000);
      plain.put("request.timeout.ms", 1000);
      try (Admin admin = Admin.create(plain)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(5, TimeUnit.SECONDS))
            .isInstanceOfAny(ExecutionException.class, TimeoutException.class);
      }
    }
  }

  @Test
  void aSaslSslBrokerServesOnlyClientsThatTrustItsCertificateAndLogIn() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create(dir.resolve("tls"));
    try (KafkaBroker broker =
        KafkaBroker.startSaslSsl(
            dir.resolve("sasl-ssl"), Map.of(), Map.of("upbeat", "upbeat-secret"), tls)) {
      Map<String, Object> good =
          new HashMap<>(KafkaBroker.saslSslClient("upbeat", "upbeat-secret", tls));
      good.put("bootstrap.servers", broker.bootstrapServers());
      try (Admin admin = Admin.create(good)) {
        admin.createTopics(List.of(new NewTopic("tls", 1, (short) 1))).all().get();
        assertThat(admin.listTopics().names().get()).contains("tls");
      }

      // The right login, but no trust store: the handshake fails on the unknown certificate.
      Map<String, Object> untrusting =
          new HashMap<>(KafkaBroker.saslPlainClient("upbeat", "upbeat-secret"));
      untrusting.put("security.protocol", "SASL_SSL");
      untrusting.put("bootstrap.servers", broker.bootstrapServers());
      untrusting.put("default.api.timeout.ms", 5000);
      untrusting.put("request.timeout.ms", 2000);
      try (Admin admin = Admin.create(untrusting)) {
        assertThatThrownBy(() -> admin.listTopics().names().get())
            .hasCauseInstanceOf(SslAuthenticationException.class);
      }

      // Trusted, but SASL/PLAIN without TLS: the broker never answers a plaintext client.
      Map<String, Object> plaintext =
          new HashMap<>(KafkaBroker.saslPlainClient("upbeat", "upbeat-secret"));
      plaintext.put("bootstrap.servers", broker.bootstrapServers());
      plaintext.put("default.api.timeout.ms", 3000);
      plaintext.put("request.timeout.ms", 1000);
      try (Admin admin = Admin.create(plaintext)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(5, TimeUnit.SECONDS))
            .isInstanceOfAny(ExecutionException.class, TimeoutException.class);
      }

      Map<String, Object> wrong = new HashMap<>(KafkaBroker.saslSslClient("upbeat", "wrong", tls));
      wrong.put("bootstrap.servers", broker.bootstrapServers());
      wrong.put("default.api.timeout.ms", 5000);
      wrong.put("request.timeout.ms", 2000);
      try (Admin admin = Admin.create(wrong)) {
        assertThatThrownBy(() -> admin.listTopics().names().get())
            .hasCauseInstanceOf(SaslAuthenticationException.class);
      }
    }
  }

  @Test
  void retriesAddingAPartitionToATransactionAfterOneMillisecondUnlessOverridden() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("backoff"), Map.of())) {
      assertThat(brokerSetting(broker, "add.partitions.to.txn.retry.backoff.ms")).isEqualTo("1");
    }
    try (KafkaBroker broker =
        KafkaBroker.start(
            dir.resolve("overridden"), Map.of("add.partitions.to.txn.retry.backoff.ms", "20"))) {
      assertThat(brokerSetting(broker, "add.partitions.to.txn.retry.backoff.ms")).isEqualTo("20");
    }
  }

  private static String brokerSetting(KafkaBroker broker, String name) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      var node = admin.describeCluster().nodes().get().iterator().next();
      var resource =
          new org.apache.kafka.common.config.ConfigResource(
              org.apache.kafka.common.config.ConfigResource.Type.BROKER, node.idString());
      return admin.describeConfigs(List.of(resource)).all().get().get(resource).get(name).value();
    }
  }

  private static KafkaProducer<String, String> producer(KafkaBroker broker) {
    return new KafkaProducer<>(
        Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
        new StringSerializer(),
        new StringSerializer());
  }

  private static List<String> readAll(KafkaBroker broker, TopicPartition tp) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(Set.of(tp));
      consumer.seekToBeginning(Set.of(tp));
      long end = consumer.endOffsets(Set.of(tp)).get(tp);
      List<String> values = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (consumer.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
      return values;
    }
  }
}
