package io.upbeat.processor;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * processor-service: consumes events from Kafka, aggregates response times, groups and assigns
 * errors, and notifies; writes PostgreSQL. Its HTTP port serves health and metrics only.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ProcessorApplication {
  public static void main(String[] args) {
    SpringApplication.run(ProcessorApplication.class, args);
  }
}
