package io.upbeat.processor;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * processor-service: consumes events from Kafka, aggregates response times, groups and assigns
 * errors, and notifies; writes PostgreSQL. Its HTTP port serves health and metrics only.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ProcessorApplication {
  public static void main(String[] args) {
    SpringApplication.run(ProcessorApplication.class, args);
  }
}
