package io.upbeat.spring;

import io.upbeat.agent.Upbeat;
import io.upbeat.agent.UpbeatConfig;
import jakarta.servlet.DispatcherType;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Starts the agent from {@code upbeat.*} (or {@code UPBEAT_*}) settings when a server URL is set,
 * and instruments what the application uses: servlet requests and {@link DataSource} beans.
 */
@AutoConfiguration
@EnableConfigurationProperties(UpbeatProperties.class)
public class UpbeatAutoConfiguration {

  /** Starts the agent at context start and stops it (flushing) at context close. */
  static final class AgentLifecycle implements DisposableBean {
    final boolean started;

    AgentLifecycle(boolean started) {
      this.started = started;
    }

    @Override
    public void destroy() {
      if (started) {
        Upbeat.stop();
      }
    }
  }

  @Bean
  AgentLifecycle upbeatAgent(UpbeatProperties p, Environment env, BeanFactory beans) {
    String url = first(p.serverUrl(), System.getenv("UPBEAT_SERVER_URL"));
    if (Boolean.FALSE.equals(p.enabled()) || url == null || Upbeat.isStarted()) {
      return new AgentLifecycle(false);
    }
    UpbeatConfig.Builder b =
        UpbeatConfig.builder()
            .serverUrl(url)
            .secretToken(first(p.secretToken(), System.getenv("UPBEAT_SECRET_TOKEN")))
            .serviceName(
                first(
                    p.serviceName(),
                    System.getenv("UPBEAT_SERVICE_NAME"),
                    env.getProperty("spring.application.name"),
                    "application"))
            .environment(first(p.environment(), System.getenv("UPBEAT_ENVIRONMENT")))
            .serviceVersion(first(p.serviceVersion(), System.getenv("UPBEAT_SERVICE_VERSION")));
    List<String> packages = p.appPackages();
    if (packages == null || packages.isEmpty()) {
      packages =
          AutoConfigurationPackages.has(beans) ? AutoConfigurationPackages.get(beans) : List.of();
    }
    packages.forEach(b::appPackage);
    String samples = setting(p.samplesPerMinute(), "UPBEAT_SAMPLES_PER_MINUTE");
    if (samples != null) {
      b.samplesPerMinute(Integer.parseInt(samples.trim()));
    }
    if (p.metricsInterval() != null) {
      b.metricsInterval(p.metricsInterval());
    } else if (System.getenv("UPBEAT_METRICS_INTERVAL") != null) {
      b.metricsInterval(
          java.time.Duration.ofSeconds(
              Long.parseLong(System.getenv("UPBEAT_METRICS_INTERVAL").trim())));
    }
    String traces = setting(p.tracesPerSecond(), "UPBEAT_TRACES_PER_SECOND");
    if (traces != null) {
      b.tracesPerSecond(Double.parseDouble(traces.trim()));
    }
    String rate = setting(p.traceSampleRate(), "UPBEAT_TRACE_SAMPLE_RATE");
    if (rate != null) {
      b.traceSampleRate(Double.parseDouble(rate.trim()));
    }
    Upbeat.start(b.build());
    return new AgentLifecycle(true);
  }

  @Bean
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "org.springframework.web.servlet.HandlerMapping")
  FilterRegistrationBean<UpbeatFilter> upbeatFilter(Environment env) {
    FilterRegistrationBean<UpbeatFilter> r = new FilterRegistrationBean<>(new UpbeatFilter());
    r.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    r.addUrlPatterns("/*");
    r.setDispatcherTypes(DispatcherType.REQUEST);
    // Not even in the chain when the agent is off, as for data sources below.
    r.setEnabled(agentOn(env));
    return r;
  }

  /**
   * Has the work of an asynchronous request's {@code Callable} recorded in the request's
   * transaction, when the agent runs.
   */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "org.springframework.web.servlet.config.annotation.WebMvcConfigurer")
  @Conditional(AgentOn.class)
  static class AsyncRequests {
    @Bean
    org.springframework.web.servlet.config.annotation.WebMvcConfigurer upbeatAsyncTasks() {
      return new org.springframework.web.servlet.config.annotation.WebMvcConfigurer() {
        @Override
        public void configureAsyncSupport(
            org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer configurer) {
          configurer.registerCallableInterceptors(new AsyncTasks());
        }
      };
    }
  }

  /**
   * Carries transactions into the tasks of Spring Boot's task executor, which takes a unique {@code
   * TaskDecorator} bean: none is added when the application has its own, nor when the agent is off.
   */
  @Bean
  @ConditionalOnMissingBean(org.springframework.core.task.TaskDecorator.class)
  @Conditional(AgentOn.class)
  org.springframework.core.task.TaskDecorator upbeatTaskDecorator() {
    return new TransactionTaskDecorator();
  }

  /** Matches when the agent is to run, by {@link #agentOn}. */
  static final class AgentOn implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return agentOn(context.getEnvironment());
    }
  }

  /** Wraps DataSource beans, only when the agent is to run (a wrapper hides the pool's type). */
  @Bean
  static BeanPostProcessor upbeatDataSources(Environment env) {
    boolean on = agentOn(env);
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        return on && bean instanceof DataSource ds ? JdbcSpans.wrap(ds) : bean;
      }
    };
  }

  /** Wraps {@code java.net.http.HttpClient} beans so their calls become spans. */
  @Bean
  static BeanPostProcessor upbeatHttpClients() {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        return bean instanceof java.net.http.HttpClient client ? Upbeat.instrument(client) : bean;
      }
    };
  }

  /**
   * Adds the exit-span and trace-context interceptor to every {@code RestClient.Builder} and {@code
   * RestTemplate} bean (once each: a bean post-processed twice is not intercepted twice).
   */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.web.client.RestClient")
  static class RestClients {
    @Bean
    static BeanPostProcessor upbeatRestClients() {
      return new BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String name) {
          if (bean instanceof org.springframework.web.client.RestClient.Builder b) {
            b.requestInterceptors(
                list -> {
                  if (list.stream().noneMatch(RestClientSpans.class::isInstance)) {
                    list.add(new RestClientSpans());
                  }
                });
          } else if (bean instanceof org.springframework.web.client.RestTemplate template
              && template.getInterceptors().stream().noneMatch(RestClientSpans.class::isInstance)) {
            template.getInterceptors().add(new RestClientSpans());
          }
          return bean;
        }
      };
    }
  }

  /**
   * Adds the exit-span and trace-context filter to the {@code WebClient.Builder} Spring Boot makes,
   * when WebFlux's {@code WebClient} (and Boot's WebClient support) is on the classpath.
   */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {
        "org.springframework.web.reactive.function.client.WebClient",
        "org.springframework.boot.webclient.WebClientCustomizer"
      })
  static class WebClients {
    @Bean
    org.springframework.boot.webclient.WebClientCustomizer upbeatWebClients() {
      return builder ->
          builder.filters(
              filters -> {
                if (filters.stream().noneMatch(WebClientSpans.class::isInstance)) {
                  filters.add(new WebClientSpans());
                }
              });
    }
  }

  /** A setting's value: the {@code upbeat.*} property when set, else the environment variable. */
  private static String setting(Object property, String variable) {
    return first(property == null ? null : property.toString(), System.getenv(variable));
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  /**
   * Whether the agent is to run: not disabled and given a server URL, the rule {@link #upbeatAgent}
   * starts it by. Instrumentation is installed only then.
   */
  static boolean agentOn(Environment env) {
    return !"false".equalsIgnoreCase(env.getProperty("upbeat.enabled"))
        && first(env.getProperty("upbeat.server-url"), System.getenv("UPBEAT_SERVER_URL")) != null;
  }
}
