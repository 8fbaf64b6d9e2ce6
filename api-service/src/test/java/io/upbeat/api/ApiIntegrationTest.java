package io.upbeat.api;

import io.upbeat.localstack.junit.LocalStackExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * api-service running for real on the embedded PostgreSQL and Kafka. Subclasses share one
 * application context and one database; each test signs up its own users, so tests never see each
 * other's data unless they mean to. Every request comes from 127.0.0.1, so the per-address login
 * limit is raised here; {@link ITLoginThrottle} tests it with its own context. E-mails are written
 * to {@link Mailbox#DIR}.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "upbeat.accounts.login-throttle.max-failures-per-address=100000",
      // Processors are not part of these tests: the purge's final sweep need not wait for them.
      "upbeat.deletion.sweep-delay=2s"
    })
abstract class ApiIntegrationTest {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
    // No SMTP server: e-mails (invitations) land in a directory the tests read.
    registry.add("upbeat.mail.drop-dir", Mailbox.DIR::toString);
  }

  @LocalServerPort int port;
  ApiClient api;

  @BeforeEach
  void client() {
    api = new ApiClient(port);
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
