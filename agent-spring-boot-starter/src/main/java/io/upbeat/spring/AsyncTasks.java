package io.upbeat.spring;

import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;

/**
 * Makes an asynchronous request's transaction current on the thread that runs its {@code Callable}
 * (or {@code WebAsyncTask}, or {@code StreamingResponseBody}), so the JDBC statements and HTTP
 * calls made there are spans of the request, and errors captured there are its errors. Spring MVC
 * calls {@link #beforeConcurrentHandling} on the request's thread, where the filter's transaction
 * is current, then {@link #preProcess} and {@link #postProcess} around the task on the executor's
 * thread.
 */
final class AsyncTasks implements CallableProcessingInterceptor {
  private static final String TRANSACTION = AsyncTasks.class.getName() + ".transaction";

  /** The scope opened for the task on its executor thread, closed when the task returns. */
  private final ThreadLocal<Transaction.Scope> scopes = new ThreadLocal<>();

  @Override
  public <T> void beforeConcurrentHandling(NativeWebRequest request, Callable<T> task) {
    Transaction t = Upbeat.currentTransaction();
    if (!t.isNoop()) {
      request.setAttribute(TRANSACTION, t, RequestAttributes.SCOPE_REQUEST);
    }
  }

  @Override
  public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
    // Already current when Spring Boot's task executor runs the task: its TaskDecorator (the
    // starter's TransactionTaskDecorator) activated it.
    if (request.getAttribute(TRANSACTION, RequestAttributes.SCOPE_REQUEST) instanceof Transaction t
        && Upbeat.currentTransaction() != t) {
      scopes.set(t.activate());
    }
  }

  @Override
  public <T> void postProcess(
      NativeWebRequest request, Callable<T> task, @Nullable Object concurrentResult) {
    Transaction.Scope scope = scopes.get();
    if (scope != null) {
      scopes.remove();
      scope.close();
    }
  }
}
