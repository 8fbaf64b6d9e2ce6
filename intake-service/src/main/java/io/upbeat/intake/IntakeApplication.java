package io.upbeat.intake;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * intake-service: authenticates agents by app token, validates their payloads and enqueues them
 * into Kafka. Stateless, and never waits on the database.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class IntakeApplication {
  public static void main(String[] args) {
    SpringApplication.run(IntakeApplication.class, args);
  }
}
