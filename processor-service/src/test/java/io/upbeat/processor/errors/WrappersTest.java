package io.upbeat.processor.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The walk down the cause chain to the exception that names and groups an error. */
class WrappersTest {
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");
  private static final StackFrame SERVLET =
      new StackFrame(
          "org.springframework.web.servlet.FrameworkServlet",
          "processRequest",
          "FrameworkServlet.java",
          null,
          1022,
          false);
  private static final StackFrame CONTROLLER =
      new StackFrame("com.shop.UserController", "show", "UserController.java", null, 31, true);

  private static ExceptionInfo ex(String type, String message, ExceptionInfo cause) {
    return new ExceptionInfo(type, message, List.of(SERVLET), cause);
  }

  private static ExceptionInfo npe() {
    return new ExceptionInfo(
        "java.lang.NullPointerException",
        "Cannot invoke \"User.name()\" because \"user\" is null",
        List.of(CONTROLLER, SERVLET),
        null);
  }

  private static ExceptionInfo servlet(ExceptionInfo cause) {
    return ex(
        "jakarta.servlet.ServletException",
        "Request processing failed: java.lang.NullPointerException: Cannot invoke",
        cause);
  }

  private static ErrorEvent error(ExceptionInfo e) {
    return new ErrorEvent(null, AT, null, null, "error", null, e, null, null);
  }

  @Test
  void skipsTheServletsRequestProcessingFailedToTheInAppCause() {
    ExceptionInfo npe = npe();
    assertThat(Wrappers.defaults().unwrap(servlet(npe))).isSameAs(npe);
    ExceptionInfo javax =
        ex(
            "javax.servlet.ServletException",
            "Request processing failed; nested exception is java.lang.NullPointerException",
            npe);
    assertThat(Wrappers.defaults().unwrap(javax)).isSameAs(npe);
  }

  @Test
  void aServletExceptionOfItsOwnIsNotAWrapper() {
    ExceptionInfo own = ex("jakarta.servlet.ServletException", "Filter refused the request", npe());
    assertThat(Wrappers.defaults().unwrap(own)).isSameAs(own);
    ExceptionInfo noMessage = ex("jakarta.servlet.ServletException", null, npe());
    assertThat(Wrappers.defaults().unwrap(noMessage)).isSameAs(noMessage);
  }

  @Test
  void descendsThroughSeveralWrappersToTheFirstThatIsNot() {
    ExceptionInfo npe = npe();
    ExceptionInfo sql = ex("java.sql.SQLException", "db", npe);
    ExceptionInfo chain =
        ex(
            "java.util.concurrent.ExecutionException",
            "x",
            ex(
                "java.lang.reflect.InvocationTargetException",
                null,
                ex(
                    "java.util.concurrent.CompletionException",
                    "y",
                    ex("java.lang.reflect.UndeclaredThrowableException", null, sql))));
    // The first non-wrapper, not the root cause: the SQLException is what the code threw.
    assertThat(Wrappers.defaults().unwrap(chain)).isSameAs(sql);
  }

  @Test
  void aChainOfWrappersOnlyIsNamedByItsInnermost() {
    ExceptionInfo inner = ex("java.util.concurrent.ExecutionException", "inner", null);
    ExceptionInfo chain = ex("java.lang.reflect.InvocationTargetException", null, inner);
    assertThat(Wrappers.defaults().unwrap(chain)).isSameAs(inner);
  }

  @Test
  void configuredTypesAreWrappersTooAndBlankEntriesAreIgnored() {
    ExceptionInfo npe = npe();
    ExceptionInfo custom = ex("com.shop.ServiceFailure", "wrapped", npe);
    assertThat(Wrappers.defaults().unwrap(custom)).isSameAs(custom);
    assertThat(new Wrappers(List.of(" com.shop.ServiceFailure ", "", " ")).unwrap(custom))
        .isSameAs(npe);
  }

  @Test
  void aLoopingOrDeepChainEnds() {
    ExceptionInfo e = npe();
    for (int i = 0; i < 50; i++) {
      e = ex("java.util.concurrent.ExecutionException", "level " + i, e);
    }
    assertThat(Wrappers.defaults().unwrap(e).type())
        .isEqualTo("java.util.concurrent.ExecutionException");
  }

  @Test
  void theGroupIsTheCausesAndTheOldKeyIsKeptOnlyForWrapperToppedChains() {
    ExceptionInfo npe = npe();
    ErrorGrouping.Keys wrapped = ErrorGrouping.keys(error(servlet(npe)), Wrappers.defaults());
    ErrorGrouping.Keys bare = ErrorGrouping.keys(error(npe), Wrappers.defaults());
    // The NPE thrown through the servlet and the NPE reported on its own are one group.
    assertThat(wrapped.fingerprint()).isEqualTo(bare.fingerprint());
    assertThat(bare.legacy()).isNull();
    // The key it had before (from the top of the chain), to find a group created then.
    assertThat(wrapped.legacy())
        .isEqualTo(io.upbeat.events.TokenDigest.sha256Hex(ErrorGrouping.key(error(servlet(npe)))))
        .isNotEqualTo(wrapped.fingerprint());
    // Other wrappers around the same cause: the same group.
    ExceptionInfo reflective = ex("java.lang.reflect.InvocationTargetException", null, npe);
    assertThat(ErrorGrouping.keys(error(reflective), Wrappers.defaults()).fingerprint())
        .isEqualTo(bare.fingerprint());
  }

  @Test
  void anAgentsOwnFingerprintStillDecidesAlone() {
    ErrorEvent e =
        new ErrorEvent(null, AT, null, null, "error", null, servlet(npe()), List.of("x"), null);
    ErrorGrouping.Keys keys = ErrorGrouping.keys(e, Wrappers.defaults());
    assertThat(keys.legacy()).isNull();
    assertThat(keys.fingerprint()).isEqualTo(ErrorGrouping.fingerprint(e));
  }

  @Test
  void theTitleAndCulpritAreTheCausesAndTheWholeChainIsStored() {
    GroupDelta d = new GroupDelta(5);
    ExceptionInfo npe = npe();
    ErrorEvent e = error(servlet(npe));
    d.add(e, Wrappers.defaults().unwrap(e.exception()), "legacy", "production", "1.0");
    assertThat(d.type).isEqualTo("java.lang.NullPointerException");
    assertThat(d.message).startsWith("Cannot invoke");
    assertThat(d.culprit).isEqualTo("com.shop.UserController.show");
    assertThat(d.lastException.type()).isEqualTo("jakarta.servlet.ServletException");
    assertThat(d.newest.getFirst().exceptionJson())
        .contains("jakarta.servlet.ServletException", "java.lang.NullPointerException");
    assertThat(d.legacy).containsExactly("legacy");
  }
}
