package io.upbeat.processor.config;

import io.upbeat.storage.Schema;
import java.time.Clock;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The processor never migrates: api-service owns the schema. At start it waits for the schema to
 * reach the version it was built against and validates it, so it never writes to tables that are
 * missing or different.
 */
@Configuration(proxyBeanMethods = false)
class SchemaCheckConfiguration {
  @Bean
  FlywayMigrationStrategy validateOnly(SchemaProperties properties) {
    return flyway ->
        Schema.awaitMigrated(
            flyway, properties.waitTimeout(), Clock.systemUTC(), Schema.Sleeper.THREAD);
  }
}
