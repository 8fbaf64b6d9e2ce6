package io.upbeat.intake.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import org.junit.jupiter.api.Test;

class JavaStackTraceTest {
  private static ExceptionInfo parse(String text) {
    return JavaStackTrace.parse(text, null, null, 500, 10, 10_000);
  }

  @Test
  void readsFramesAndCausesInnermostFirst() {
    ExceptionInfo e = parse(OtlpFixtures.STACK);

    assertThat(e.type()).isEqualTo("java.lang.IllegalStateException");
    assertThat(e.message()).isEqualTo("pricing failed");
    assertThat(e.stacktrace()).hasSize(4);
    assertThat(e.stacktrace().getFirst())
        .isEqualTo(
            new StackFrame(
                "io.upbeat.example.ShopApplication$Pricing",
                "discount",
                "ShopApplication.java",
                null,
                80,
                null));
    // The module prefix (java.base/) is not part of the class name.
    assertThat(e.stacktrace().get(2).module())
        .isEqualTo("jdk.internal.reflect.DirectMethodHandleAccessor");
    assertThat(e.cause().type()).isEqualTo("java.lang.ArithmeticException");
    assertThat(e.cause().message()).isEqualTo("/ by zero");
    assertThat(e.cause().stacktrace())
        .extracting(StackFrame::function, StackFrame::lineno)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ratio", 90));
    assertThat(e.cause().cause()).isNull();
  }

  @Test
  void attributesWinOverTheTextsHeader() {
    ExceptionInfo e =
        JavaStackTrace.parse(OtlpFixtures.STACK, "com.shop.Custom", "explicit", 500, 10, 10_000);
    assertThat(e.type()).isEqualTo("com.shop.Custom");
    assertThat(e.message()).isEqualTo("explicit");
  }

  @Test
  void handlesOddSourcesLoadersSuppressedAndMultiLineMessages() {
    String text =
        """
        com.shop.BadThing: first line
        second line
        \tat app//com.shop.Worker.lambda$run$0(Worker.java:12)
        \tat java.base@21.0.2/java.lang.Thread.run(Thread.java)
        \tat jdk.internal.misc.Unsafe.park(Native Method)
        \tat com.shop.Gen$$SpringCGLIB$$0.call(<generated>)
        \tat com.shop.Old.run(Unknown Source)
        \tSuppressed: java.io.IOException: close failed
        \t\tat com.shop.Res.close(Res.java:5)
        \t\tCaused by: java.lang.Error: inner
        \t\t\tat com.shop.Res.inner(Res.java:9)
        Caused by: java.lang.NullPointerException
        \tat com.shop.Worker.find(Worker.java:30)
        """;
    ExceptionInfo e = parse(text);

    assertThat(e.type()).isEqualTo("com.shop.BadThing");
    assertThat(e.message()).isEqualTo("first line\nsecond line");
    assertThat(e.stacktrace())
        .extracting(
            StackFrame::module, StackFrame::function, StackFrame::filename, StackFrame::lineno)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "com.shop.Worker", "lambda$run$0", "Worker.java", 12),
            org.assertj.core.groups.Tuple.tuple("java.lang.Thread", "run", "Thread.java", null),
            org.assertj.core.groups.Tuple.tuple("jdk.internal.misc.Unsafe", "park", null, null),
            org.assertj.core.groups.Tuple.tuple(
                "com.shop.Gen$$SpringCGLIB$$0", "call", "<generated>", null),
            org.assertj.core.groups.Tuple.tuple("com.shop.Old", "run", null, null));
    assertThat(e.cause().type()).isEqualTo("java.lang.NullPointerException");
    assertThat(e.cause().message()).isNull();
    assertThat(e.cause().stacktrace()).hasSize(1);
  }

  @Test
  void limitsFramesAndCauseDepth() {
    StringBuilder text = new StringBuilder("java.lang.RuntimeException: deep\n");
    for (int i = 0; i < 50; i++) {
      text.append("\tat com.shop.A.m").append(i).append("(A.java:").append(i).append(")\n");
    }
    for (int c = 0; c < 20; c++) {
      text.append("Caused by: java.lang.RuntimeException: c").append(c).append('\n');
      text.append("\tat com.shop.B.m(B.java:1)\n\t... 5 more\n");
    }
    ExceptionInfo e = JavaStackTrace.parse(text.toString(), null, null, 10, 3, 10_000);

    assertThat(e.stacktrace()).hasSize(10);
    int depth = 0;
    for (ExceptionInfo c = e.cause(); c != null; c = c.cause()) {
      depth++;
    }
    assertThat(depth).isEqualTo(3);
  }

  @Test
  void textThatIsNoStackTraceGivesAnExceptionWithoutFrames() {
    assertThat(parse("something went wrong, sorry").stacktrace()).isEmpty();
    assertThat(parse("").type()).isEqualTo("Error");
    assertThat(JavaStackTrace.parse(null, null, "only a message", 500, 10, 10_000).message())
        .isEqualTo("only a message");
  }

  /** The regular expression the frame parser replaced: it must read every line the same way. */
  private static final java.util.regex.Pattern OLD_FRAME =
      java.util.regex.Pattern.compile(
          "at\\s+(?:[^\\s(]*/)?([^\\s/(]+)\\.([^\\s.(]+)\\(([^)]*)\\)\\s*");

  @net.jqwik.api.Property(tries = 10000, maxDiscardRatio = 50)
  void readsFramesAsTheOldExpressionDid(@net.jqwik.api.ForAll("frameish") String line) {
    java.util.regex.Matcher m = OLD_FRAME.matcher(line);
    // One deliberate difference: the expression let a method name hold a '/' ("at a./()");
    // the scanner takes the class after the last '/', as Java prints frames.
    net.jqwik.api.Assume.that(!m.matches() || m.group(2).indexOf('/') < 0);
    StackFrame f = JavaStackTrace.frame(line, 10_000);
    if (!m.matches()) {
      assertThat(f).as(line).isNull();
    } else {
      assertThat(f).as(line).isNotNull();
      assertThat(f.module()).isEqualTo(m.group(1));
      assertThat(f.function()).isEqualTo(m.group(2));
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> frameish() {
    net.jqwik.api.Arbitrary<String> body =
        net.jqwik.api.Arbitraries.strings().withChars("ab./()$: \t9@").ofMaxLength(24);
    return body.map(b -> "at " + b);
  }

  @Test
  void worstCaseTextTakesLinearTime() {
    int size = 100_000;
    String[] hostile = {
      "at " + "a.".repeat(size / 2) + "x",
      "at " + "a/".repeat(size / 2) + "b.c(",
      "at " + "/".repeat(size) + ".m(",
      "at a.b(" + ")".repeat(size) + "x",
      "at " + " ".repeat(size) + "a.b(x",
      "x: y\n" + "\tat a.b(".repeat(size / 8),
      "Caused by:" + " ".repeat(size) + "x",
      "\n".repeat(size),
      "\r\n".repeat(size / 2),
      "e\n" + "\t".repeat(size) + "at a.b(c)",
    };
    for (int round = 0; round < 5; round++) { // warm up, then measure the last round
      for (String text : hostile) {
        long start = System.nanoTime();
        parse(text);
        JavaStackTrace.frame(text, 10_000);
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (round == 4) {
          assertThat(ms).as("%s...", text.substring(0, 12)).isLessThan(50);
        }
      }
    }
  }
}
