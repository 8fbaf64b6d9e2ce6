package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Parsing W3C Trace Context headers as level 1 of the specification says. */
class TraceContextTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String PARENT = "00f067aa0ba902b7";

  @Test
  void readsTheSpecificationsExample() {
    TraceContext c = TraceContext.parse("00-" + TRACE + "-" + PARENT + "-01", "congo=t61rcWkgMzE");
    assertThat(c).isEqualTo(new TraceContext(TRACE, PARENT, true, "congo=t61rcWkgMzE"));
    TraceContext unsampled = TraceContext.parse("00-" + TRACE + "-" + PARENT + "-00", null);
    assertThat(unsampled.sampled()).isFalse();
    assertThat(unsampled.tracestate()).isNull();
    // Only the sampled bit counts among the flags; white space around the value is allowed.
    assertThat(TraceContext.parse(" 00-" + TRACE + "-" + PARENT + "-03\t", null).sampled())
        .isTrue();
    assertThat(TraceContext.parse("00-" + TRACE + "-" + PARENT + "-02", null).sampled()).isFalse();
  }

  @Test
  void aLaterVersionIsReadByItsFirstFieldsWhenTheRestFollowADash() {
    assertThat(TraceContext.parse("cc-" + TRACE + "-" + PARENT + "-01-what-comes-next", null))
        .isEqualTo(new TraceContext(TRACE, PARENT, true, null));
    assertThat(TraceContext.parse("cc-" + TRACE + "-" + PARENT + "-01", null)).isNotNull();
    assertThat(TraceContext.parse("cc-" + TRACE + "-" + PARENT + "-01x", null)).isNull();
    // Version 00 has nothing after the flags.
    assertThat(TraceContext.parse("00-" + TRACE + "-" + PARENT + "-01-", null)).isNull();
  }

  @Test
  void malformedHeadersStartANewTrace() {
    String[] bad = {
      "",
      "garbage",
      "ff-" + TRACE + "-" + PARENT + "-01", // version ff is invalid
      "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01", // uppercase hex
      "00-" + TRACE + "-" + PARENT.toUpperCase() + "-01",
      "0A-" + TRACE + "-" + PARENT + "-01",
      "00-" + TRACE + "-" + PARENT + "-0G",
      "00-" + "0".repeat(32) + "-" + PARENT + "-01", // all-zero trace id
      "00-" + TRACE + "-" + "0".repeat(16) + "-01", // all-zero parent id
      "00-" + TRACE.substring(1) + "-" + PARENT + "-01", // wrong lengths
      "00-" + TRACE + "0-" + PARENT + "-01",
      "00-" + TRACE + "-" + PARENT + "0-01",
      "00-" + TRACE + "-" + PARENT + "-1",
      "00_" + TRACE + "_" + PARENT + "_01",
      "00-" + TRACE + "-" + PARENT + "-01\u0000",
      "00-" + TRACE.substring(0, 31) + "\u0000-" + PARENT + "-01",
      "00-" + TRACE.substring(0, 31) + "\ud800-" + PARENT + "-01", // a lone surrogate
      "00-" + TRACE + "-" + PARENT + "-01" + "x".repeat(100_000),
      "cc-" + TRACE + "-" + PARENT + "-01-" + "x".repeat(100_000),
    };
    for (String h : bad) {
      assertThat(TraceContext.parse(h, "congo=t61rcWkgMzE")).as(h).isNull();
    }
    assertThat(TraceContext.parse(null, "congo=t61rcWkgMzE")).isNull();
  }

  @Property
  void noGarbageIsAContextAndNothingThrows(@ForAll String traceparent, @ForAll String tracestate) {
    TraceContext c = TraceContext.parse(traceparent, tracestate);
    if (c != null) {
      assertThat(c.traceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
      assertThat(c.parentId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
    }
  }

  @Property
  void anyValidHeaderIsReadBack(
      @ForAll("traceIds") String traceId,
      @ForAll("spanIds") String parentId,
      @ForAll boolean sampled) {
    String header = TraceContext.traceparent(traceId, parentId, sampled);
    assertThat(TraceContext.parse(header, null))
        .isEqualTo(new TraceContext(traceId, parentId, sampled, null));
  }

  @Property
  void aHeaderWithAnyCharacterChangedIsReadOrRefusedNeverMisread(
      @ForAll("traceIds") String traceId,
      @ForAll("spanIds") String parentId,
      @ForAll @StringLength(1) @CharRange(from = 0, to = 0x7f) String c,
      @ForAll("positions") int at) {
    String header = TraceContext.traceparent(traceId, parentId, true);
    String changed = header.substring(0, at) + c + header.substring(at + 1);
    TraceContext parsed = TraceContext.parse(changed, null);
    if (parsed != null) {
      assertThat(parsed.traceId()).isEqualTo(changed.substring(3, 35));
      assertThat(parsed.parentId()).isEqualTo(changed.substring(36, 52));
      assertThat(parsed.sampled())
          .isEqualTo((Integer.parseInt(changed.substring(53, 55), 16) & 1) == 1);
    }
  }

  @Provide
  Arbitrary<String> traceIds() {
    return Arbitraries.strings()
        .withChars("0123456789abcdef")
        .ofLength(32)
        .filter(s -> !s.equals("0".repeat(32)));
  }

  @Provide
  Arbitrary<String> spanIds() {
    return Arbitraries.strings()
        .withChars("0123456789abcdef")
        .ofLength(16)
        .filter(s -> !s.equals("0".repeat(16)));
  }

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, 54);
  }

  @Test
  void tracestateIsKeptAsReceivedWhenValid() {
    assertThat(TraceContext.keptTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"))
        .isEqualTo("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    // Several headers joined, optional white space and empty members.
    assertThat(TraceContext.keptTracestate("rojo=1 , ,\tcongo=2,")).isEqualTo("rojo=1,congo=2");
    // Multi-tenant keys and values with spaces inside.
    assertThat(TraceContext.keptTracestate("fw529a3039@dt=a b")).isEqualTo("fw529a3039@dt=a b");
    assertThat(TraceContext.keptTracestate(null)).isNull();
    assertThat(TraceContext.keptTracestate("")).isNull();
  }

  @Test
  void anInvalidTracestateIsDroppedWhole() {
    String[] bad = {
      "rojo",
      "Rojo=1",
      "rojo=1,rojo=2", // a key twice
      "rojo=a,b",
      "rojo=",
      "rojo=a\u0000",
      "rojo=\u00e9",
      "rojo=a\ud800b",
      "ro\udc00jo=1",
      "1rojo=1",
      "@dt=1",
      "t@=1",
      "t@1=1",
      "x".repeat(257) + "=1",
      "rojo=" + "v".repeat(257),
      "rojo=1," + "x".repeat(100_000),
    };
    for (String h : bad) {
      assertThat(TraceContext.keptTracestate(h))
          .as(h.length() > 80 ? h.substring(0, 80) : h)
          .isNull();
    }
  }

  @Test
  void atMost32MembersAndTheLengthIsBoundedAsTheSpecificationSays() {
    String members32 =
        IntStream.range(0, 32).mapToObj(i -> "k" + i + "=" + i).collect(Collectors.joining(","));
    assertThat(TraceContext.keptTracestate(members32)).isEqualTo(members32);
    assertThat(TraceContext.keptTracestate(members32 + ",k32=32")).isNull();

    // Over 512 characters: members longer than 128 characters go first...
    String big = "big=" + "b".repeat(200);
    String small =
        IntStream.range(0, 10)
            .mapToObj(i -> "s" + i + "=" + "v".repeat(30))
            .collect(Collectors.joining(","));
    String kept = TraceContext.keptTracestate(small + "," + big + "," + big.replace("big", "bag"));
    assertThat(kept).isEqualTo(small);
    // ...then members from the end, until it fits.
    String many =
        IntStream.range(0, 20)
            .mapToObj(i -> "m" + i + "=" + "v".repeat(40))
            .collect(Collectors.joining(","));
    String cut = TraceContext.keptTracestate(many);
    assertThat(cut.length()).isLessThanOrEqualTo(TraceContext.MAX_TRACESTATE_CHARS);
    assertThat(many).startsWith(cut + ",");
    assertThat(cut.split(",")).hasSize(11);
  }

  @Test
  void anInvalidTracestateDoesNotSpoilAValidTraceparent() {
    assertThat(TraceContext.parse("00-" + TRACE + "-" + PARENT + "-01", "rojo=1,bad"))
        .isEqualTo(new TraceContext(TRACE, PARENT, true, null));
  }
}
