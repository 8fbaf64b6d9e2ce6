package io.upbeat.processor.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorGroupingTest {
  private static final Instant AT = Instant.parse("2026-11-26T10:15:30Z");

  private static StackFrame app(String module, String function, int line) {
    return new StackFrame(module, function, null, null, line, true);
  }

  private static StackFrame lib(String module, String function, int line) {
    return new StackFrame(module, function, null, null, line, false);
  }

  private static ErrorEvent error(String message, List<String> fingerprint, ExceptionInfo e) {
    return new ErrorEvent(null, AT, null, null, "error", null, e, fingerprint, null);
  }

  private static ExceptionInfo npe(String message, StackFrame... frames) {
    return new ExceptionInfo("java.lang.NullPointerException", message, List.of(frames), null);
  }

  @Test
  void lineNumbersAndMessagesDoNotSplitAGroup() {
    ErrorEvent a =
        error(
            null,
            null,
            npe(
                "user 42 is null",
                app("com.shop.UserService", "find", 42),
                lib("org.springframework.web.X", "y", 1)));
    ErrorEvent b =
        error(
            null,
            null,
            npe(
                "user 7 is null",
                app("com.shop.UserService", "find", 57),
                lib("org.springframework.web.X", "z", 9)));
    assertThat(ErrorGrouping.fingerprint(a)).isEqualTo(ErrorGrouping.fingerprint(b)).hasSize(64);
  }

  @Test
  void differentCodeOrTypesAreDifferentGroups() {
    ErrorEvent find = error(null, null, npe("x", app("com.shop.UserService", "find", 42)));
    ErrorEvent save = error(null, null, npe("x", app("com.shop.UserService", "save", 42)));
    ErrorEvent iae =
        error(
            null,
            null,
            new ExceptionInfo(
                "java.lang.IllegalArgumentException",
                "x",
                List.of(app("com.shop.UserService", "find", 42)),
                null));
    assertThat(ErrorGrouping.fingerprint(find))
        .isNotEqualTo(ErrorGrouping.fingerprint(save))
        .isNotEqualTo(ErrorGrouping.fingerprint(iae));
  }

  @Test
  void causesTypesCount() {
    ExceptionInfo io = new ExceptionInfo("java.io.IOException", "disk", List.of(), null);
    ExceptionInfo sql = new ExceptionInfo("java.sql.SQLException", "db", List.of(), null);
    StackFrame frame = app("com.shop.Repo", "load", 10);
    ErrorEvent a =
        error(null, null, new ExceptionInfo("com.shop.LoadFailed", "m", List.of(frame), io));
    ErrorEvent b =
        error(null, null, new ExceptionInfo("com.shop.LoadFailed", "m", List.of(frame), sql));
    assertThat(ErrorGrouping.fingerprint(a)).isNotEqualTo(ErrorGrouping.fingerprint(b));
  }

  @Test
  void generatedNamesAreNormalised() {
    ErrorEvent a =
        error(
            null,
            null,
            npe(
                "x",
                app("com.shop.UserService$$SpringCGLIB$$0", "find", 1),
                app("com.shop.Handler$$Lambda/0x000001f2a3b4c5d8", "lambda$handle$3", 2),
                app("jdk.proxy2.$Proxy87", "invoke", 3),
                app("com.shop.Jobs$1", "run", 4)));
    ErrorEvent b =
        error(
            null,
            null,
            npe(
                "x",
                app("com.shop.UserService$$EnhancerBySpringCGLIB$$a1b2c3", "find", 1),
                app("com.shop.Handler$$Lambda$412/0x0000000800c4b040", "lambda$handle$7", 2),
                app("com.sun.proxy.$Proxy12", "invoke", 3),
                app("com.shop.Jobs$2", "run", 4)));
    assertThat(ErrorGrouping.key(a)).isEqualTo(ErrorGrouping.key(b));
    assertThat(ErrorGrouping.key(a))
        .contains("frame:com.shop.UserService#find")
        .contains("frame:com.shop.Handler#lambda$handle")
        .contains("frame:$Proxy#invoke");
    assertThat(ErrorGrouping.normalizeModule("jdk.internal.reflect.GeneratedMethodAccessor123"))
        .isEqualTo("GeneratedMethodAccessor");
  }

  @Test
  void fallsBackToAllFramesThenToTheMaskedMessage() {
    ErrorEvent libOnlyA = error(null, null, npe("x", lib("org.lib.A", "f", 1)));
    ErrorEvent libOnlyB = error(null, null, npe("x", lib("org.lib.B", "f", 1)));
    assertThat(ErrorGrouping.fingerprint(libOnlyA))
        .isNotEqualTo(ErrorGrouping.fingerprint(libOnlyB));

    ErrorEvent noStackA = error(null, null, npe("timeout after 3000 ms on 10.0.0.7"));
    ErrorEvent noStackB = error(null, null, npe("timeout after 5000 ms on 10.0.0.9"));
    ErrorEvent noStackC = error(null, null, npe("connection refused"));
    assertThat(ErrorGrouping.fingerprint(noStackA))
        .isEqualTo(ErrorGrouping.fingerprint(noStackB))
        .isNotEqualTo(ErrorGrouping.fingerprint(noStackC));
  }

  @Test
  void theAgentsFingerprintDecidesAlone() {
    ErrorEvent a = error(null, List.of("db", "timeout"), npe("x", app("com.a.A", "f", 1)));
    ErrorEvent b = error(null, List.of("db", "timeout"), npe("y", app("com.b.B", "g", 2)));
    ErrorEvent c = error(null, List.of("db", "deadlock"), npe("x", app("com.a.A", "f", 1)));
    assertThat(ErrorGrouping.fingerprint(a))
        .isEqualTo(ErrorGrouping.fingerprint(b))
        .isNotEqualTo(ErrorGrouping.fingerprint(c));
  }
}
