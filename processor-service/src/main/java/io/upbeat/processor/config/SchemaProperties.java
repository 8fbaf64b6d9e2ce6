package io.upbeat.processor.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the processor checks the schema that api-service owns.
 *
 * @param waitTimeout how long to wait at start for api-service to apply pending migrations
 */
@ConfigurationProperties("upbeat.schema")
record SchemaProperties(@DefaultValue("120s") Duration waitTimeout) {}
