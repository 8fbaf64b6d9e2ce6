package io.upbeat.spring;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.DispatcherType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.task.TaskDecorator;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The filter's route names, and what the starter installs only when the agent runs: the filter, the
 * async-request interceptor and the task decorator.
 */
class UpbeatFilterTest {
  private final WebApplicationContextRunner context =
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(UpbeatAutoConfiguration.class));

  @Test
  void aRouteAndMethodAlwaysGetTheSameNameObject() {
    UpbeatFilter filter = new UpbeatFilter();
    String get = filter.name("GET", "/users/{id}");
    assertThat(get).isEqualTo("GET /users/{id}");
    assertThat(filter.name(new String("GET"), "/users/{id}")).isSameAs(get);
    String put = filter.name("PUT", "/users/{id}");
    assertThat(put).isEqualTo("PUT /users/{id}");
    assertThat(filter.name("PUT", "/users/{id}")).isSameAs(put);
    assertThat(filter.name("GET", "/users/{id}")).isSameAs(get);
    assertThat(filter.name("POST", UpbeatFilter.UNKNOWN_ROUTE)).isEqualTo("POST unknown route");
  }

  @Test
  void theFilterIsInTheChainOnlyWhenTheAgentRuns() {
    context
        .withPropertyValues("upbeat.enabled=false", "upbeat.server-url=http://127.0.0.1:9")
        .run(c -> assertThat(registration(c.getBean("upbeatFilter")).isEnabled()).isFalse());
    if (System.getenv("UPBEAT_SERVER_URL") == null) {
      context.run(c -> assertThat(registration(c.getBean("upbeatFilter")).isEnabled()).isFalse());
    }
    context
        .withPropertyValues("upbeat.server-url=http://127.0.0.1:9", "upbeat.secret-token=t")
        .run(
            c -> {
              FilterRegistrationBean<?> r = registration(c.getBean("upbeatFilter"));
              assertThat(r.isEnabled()).isTrue();
              // Request dispatches only: an error page belongs to the request already recorded.
              assertThat(r.determineDispatcherTypes()).containsExactly(DispatcherType.REQUEST);
            });
  }

  @Test
  void callablesRunInTheirRequestsTransactionOnlyWhenTheAgentRuns() {
    context
        .withPropertyValues("upbeat.enabled=false", "upbeat.server-url=http://127.0.0.1:9")
        .run(c -> assertThat(c).doesNotHaveBean("upbeatAsyncTasks"));
    context
        .withPropertyValues("upbeat.server-url=http://127.0.0.1:9", "upbeat.secret-token=t")
        .run(
            c ->
                assertThat(callableInterceptors(c.getBean("upbeatAsyncTasks")))
                    .singleElement()
                    .isInstanceOf(AsyncTasks.class));
  }

  @Test
  void tasksOfBootsExecutorCarryTheTransactionUnlessTheAppDecoratesThemItself() {
    String[] on = {"upbeat.server-url=http://127.0.0.1:9", "upbeat.secret-token=t"};
    context
        .withPropertyValues("upbeat.enabled=false", "upbeat.server-url=http://127.0.0.1:9")
        .run(c -> assertThat(c).doesNotHaveBean(TaskDecorator.class));
    context
        .withPropertyValues(on)
        .run(
            c ->
                assertThat(c)
                    .getBean(TaskDecorator.class)
                    .isInstanceOf(TransactionTaskDecorator.class));
    TaskDecorator own = task -> task;
    context
        .withPropertyValues(on)
        .withBean("appDecorator", TaskDecorator.class, () -> own)
        .run(c -> assertThat(c).getBean(TaskDecorator.class).isSameAs(own));
  }

  private static List<?> callableInterceptors(Object configurer) {
    class Configurer extends AsyncSupportConfigurer {
      List<?> interceptors() {
        return getCallableInterceptors();
      }
    }
    Configurer async = new Configurer();
    ((WebMvcConfigurer) configurer).configureAsyncSupport(async);
    return async.interceptors();
  }

  private static FilterRegistrationBean<?> registration(Object bean) {
    return (FilterRegistrationBean<?>) bean;
  }
}
