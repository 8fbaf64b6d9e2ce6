package io.upbeat.api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * api-service: accounts, apps and tokens, releases from CI, the errors and metrics APIs and the
 * dashboard. It owns the database schema and applies its migrations at start. With {@code
 * --upbeat.task=...} it runs one of its {@link ApiTasks} instead, and exits.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ApiApplication {
  public static void main(String[] args) {
    var task = ApiTasks.requested(args, System.getenv());
    if (task.isPresent()) {
      System.exit(ApiTasks.run(task.get(), args));
    }
    SpringApplication.run(ApiApplication.class, args);
  }
}
