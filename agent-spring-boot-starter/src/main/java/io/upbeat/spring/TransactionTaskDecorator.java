package io.upbeat.spring;

import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import org.springframework.core.task.TaskDecorator;

/**
 * Carries the submitting thread's current transaction into the tasks of Spring Boot's task executor
 * ({@code @Async} methods, {@code applicationTaskExecutor}): the task runs with it current, so its
 * JDBC statements and HTTP calls are spans of the request that submitted it. A task submitted
 * outside a transaction runs as it is.
 */
final class TransactionTaskDecorator implements TaskDecorator {
  @Override
  public Runnable decorate(Runnable task) {
    Transaction t = Upbeat.currentTransaction();
    if (t.isNoop()) {
      return task;
    }
    return () -> {
      try (Transaction.Scope scope = t.activate()) {
        task.run();
      }
    };
  }
}
