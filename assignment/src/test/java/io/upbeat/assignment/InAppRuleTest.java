package io.upbeat.assignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InAppRuleTest {
  @Test
  void withoutConfigurationEverythingButWellKnownLibrariesIsInApp() {
    InAppRule rule = InAppRule.defaults();

    assertThat(rule.inApp("io.upbeat.example.ShopApplication$Pricing")).isTrue();
    assertThat(rule.inApp("com.shop.UserService")).isTrue();
    assertThat(rule.inApp("com.shopping.Cart")).isTrue();
    assertThat(rule.inApp("Main")).isTrue();
    for (String library :
        List.of(
            "java.lang.Thread",
            "javax.servlet.http.HttpServlet",
            "jakarta.servlet.http.HttpServlet",
            "jdk.internal.reflect.DirectMethodHandleAccessor",
            "sun.reflect.GeneratedMethodAccessor12",
            "com.sun.proxy.$Proxy12",
            "kotlin.coroutines.Continuation",
            "scala.collection.immutable.List",
            "org.springframework.web.servlet.FrameworkServlet",
            "org.apache.catalina.core.ApplicationFilterChain",
            "io.opentelemetry.javaagent.Foo",
            "co.elastic.apm.agent.Foo",
            "org.hibernate.Session",
            "com.zaxxer.hikari.pool.HikariPool")) {
      assertThat(rule.inApp(library)).as(library).isFalse();
    }
    // Whole segments only: "javax" is a library, "javaxyz" is not.
    assertThat(rule.inApp("javaxyz.Thing")).isTrue();
    assertThat(rule.inApp(null)).isFalse();
  }

  @Test
  void anAppsOwnPackagesOverrideTheDefaults() {
    InAppRule rule = InAppRule.forApp(List.of("com.shop", "org.apache.shop"));

    assertThat(rule.inApp("com.shop.UserService")).isTrue();
    assertThat(rule.inApp("com.shop")).isTrue();
    assertThat(rule.inApp("org.apache.shop.Cart")).isTrue();
    assertThat(rule.inApp("com.shopping.Cart")).isFalse();
    assertThat(rule.inApp("io.upbeat.example.ShopApplication")).isFalse();
    assertThat(InAppRule.forApp(List.of())).isSameAs(InAppRule.defaults());
    assertThat(InAppRule.forApp(null)).isSameAs(InAppRule.defaults());
  }

  @Test
  void packageNamesAreChecked() {
    assertThat(InAppRule.validPackage("io.upbeat.example")).isTrue();
    assertThat(InAppRule.validPackage("com.shop.")).isFalse();
    assertThat(InAppRule.validPackage("com shop")).isFalse();
    assertThat(InAppRule.validPackage("")).isFalse();
    assertThatThrownBy(() -> InAppRule.forApp(List.of("com..shop")))
        .hasMessageContaining("com..shop");
  }
}
