package io.upbeat.api;

import io.upbeat.api.tokens.RepublishTokensTask;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;

/**
 * api-service's one-shot tasks, run instead of the server by {@code --upbeat.task=<name>} (or the
 * environment variable {@code UPBEAT_TASK}), with the same settings as the server; the process
 * exits 0 when the task succeeded, 1 otherwise.
 *
 * <ul>
 *   <li>{@code migrate}: applies the database migrations and exits;
 *   <li>{@code republish-tokens}: rebuilds the app-token topic from PostgreSQL (see
 *       docs/operations.md).
 * </ul>
 */
public final class ApiTasks {
  private static final Logger log = LoggerFactory.getLogger(ApiTasks.class);
  static final String PROPERTY = "upbeat.task";
  private static final Map<String, Class<?>> TASKS =
      Map.of("migrate", MigrateTask.class, "republish-tokens", RepublishTokensTask.class);

  private ApiTasks() {}

  /** The task asked for by the arguments, or else by the environment. */
  static Optional<String> requested(String[] args, Map<String, String> env) {
    String prefix = "--" + PROPERTY + "=";
    return Arrays.stream(args)
        .filter(a -> a.startsWith(prefix))
        .map(a -> a.substring(prefix.length()))
        .reduce((first, last) -> last)
        .or(() -> Optional.ofNullable(env.get("UPBEAT_TASK")))
        .filter(t -> !t.isBlank());
  }

  /**
   * Runs {@code task} with {@code args} (Spring arguments, as for the server); its exit code: 0
   * done, 1 failed, 2 no such task.
   */
  public static int run(String task, String... args) {
    Class<?> source = TASKS.get(task);
    if (source == null) {
      log.error(
          "Unknown task {}; expected one of {}", task, TASKS.keySet().stream().sorted().toList());
      return 2;
    }
    SpringApplication app = new SpringApplication(source);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setDefaultProperties(Map.of(PROPERTY, task));
    try {
      SpringApplication.exit(app.run(args));
      log.info("Task {} done", task);
      return 0;
    } catch (RuntimeException e) {
      log.error("Task {} failed: {}", task, e.toString(), e);
      return 1;
    }
  }
}
