package io.upbeat.api;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * The application of {@code --upbeat.task=migrate}: the database and Flyway only, which applies the
 * migrations as the context starts (as api-service does at its start), then the process exits. For
 * a deployment that migrates once, before any instance starts (a Kubernetes Job). Conditional, so
 * the api-service application, which scans this package, never picks it up.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@ConditionalOnProperty(name = "upbeat.task", havingValue = "migrate")
public class MigrateTask {}
