package io.upbeat.api.web;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Puts {@link RequestTextFilter} in front of everything that reads a request. */
@Configuration(proxyBeanMethods = false)
class RequestTextConfiguration {
  /**
   * Right after the character-encoding filter: before the session, security and observation filters
   * and Spring MVC, so that nothing reads a parameter or the body before it is checked.
   */
  static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

  @Bean
  FilterRegistrationBean<RequestTextFilter> requestTextFilter(
      RequestProperties properties, MeterRegistry meters) {
    FilterRegistrationBean<RequestTextFilter> registration =
        new FilterRegistrationBean<>(
            new RequestTextFilter((int) properties.maxBodySize().toBytes(), meters));
    registration.setOrder(ORDER);
    registration.addUrlPatterns("/*");
    return registration;
  }
}
