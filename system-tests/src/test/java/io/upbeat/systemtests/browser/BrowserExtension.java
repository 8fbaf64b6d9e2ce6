package io.upbeat.systemtests.browser;

import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs {@link BrowserTest} classes when Chromium is installed, skips them (saying how to install
 * it) when it is not, and fails them when it is not but {@code CI} is set. Gives each test method
 * that asks for one a fresh {@link Browser}, closed after the test; a failed test leaves a
 * screenshot of the page it failed on in {@code target/screenshots/<class>-<method>-failed.png}.
 */
public final class BrowserExtension
    implements ExecutionCondition,
        BeforeAllCallback,
        ParameterResolver,
        AfterTestExecutionCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(BrowserExtension.class);

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return decide(Chromium.installed(), Chromium.inCi());
  }

  static ConditionEvaluationResult decide(boolean installed, boolean inCi) {
    if (installed) {
      return ConditionEvaluationResult.enabled("Chromium found at " + Chromium.binary());
    }
    if (inCi) {
      return ConditionEvaluationResult.enabled("CI is set: browser tests run, and fail without it");
    }
    return ConditionEvaluationResult.disabled(Chromium.MISSING);
  }

  /** In CI without Chromium: fail before anything (such as the platform) is started. */
  @Override
  public void beforeAll(ExtensionContext context) {
    if (!Chromium.installed()) {
      throw new IllegalStateException(
          Chromium.MISSING + ". CI is set, so the browser tests fail instead of skipping.");
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Browser.class;
  }

  @Override
  public Browser resolveParameter(ParameterContext parameter, ExtensionContext context) {
    // Stored in the test's own store: JUnit closes it when the test is done.
    return context
        .getStore(NAMESPACE)
        .computeIfAbsent("browser", key -> Browser.start(), Browser.class);
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    Browser browser = context.getStore(NAMESPACE).get("browser", Browser.class);
    if (browser != null && context.getExecutionException().isPresent()) {
      try {
        browser.screenshot(
            context.getRequiredTestClass().getSimpleName()
                + "-"
                + context.getRequiredTestMethod().getName()
                + "-failed");
      } catch (RuntimeException e) {
        context.getExecutionException().get().addSuppressed(e);
      }
    }
  }
}
