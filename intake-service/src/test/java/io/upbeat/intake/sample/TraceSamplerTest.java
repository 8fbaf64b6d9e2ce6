package io.upbeat.intake.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.events.TransactionEvent;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TraceSamplerTest {
  /**
   * The decision for a transaction that is not interesting depends on its trace id alone: not on
   * anything else about it, nor on the request it came in (what came before it), nor on which
   * sampler instance decides. A failed one is always kept (the tail decision's rule 1).
   */
  @Property(tries = 500)
  void theDecisionDependsOnTheTraceIdOnly(
      @ForAll("traceIds") String traceId,
      @ForAll("traceIds") String other,
      @ForAll @DoubleRange(min = 0, max = 1) double rate,
      @ForAll @IntRange(min = 0, max = 30) int before,
      @ForAll("names") String name,
      @ForAll boolean failed) {
    TraceSampler one = new TraceSampler(rate);
    TraceSampler another = new TraceSampler(rate);
    TraceSampler.Choice fresh = one.perRequest(10);
    TraceSampler.Choice busy = another.perRequest(3);
    for (int i = 0; i < before; i++) {
      busy.keeps(transaction(i % 2 == 0 ? other : null, name, false));
    }
    boolean expected = one.keeps(traceId);
    assertThat(fresh.keeps(transaction(traceId, "GET /", false))).isEqualTo(expected);
    assertThat(busy.keeps(transaction(traceId, name, failed))).isEqualTo(expected || failed);
    assertThat(another.keeps(traceId)).isEqualTo(expected);
  }

  /** Raising the rate keeps every trace kept before: traces never flip out as it grows. */
  @Property(tries = 300)
  void aHigherRateKeepsAtLeastTheSameTraces(
      @ForAll("traceIds") String traceId,
      @ForAll @DoubleRange(min = 0, max = 1) double a,
      @ForAll @DoubleRange(min = 0, max = 1) double b) {
    TraceSampler low = new TraceSampler(Math.min(a, b));
    TraceSampler high = new TraceSampler(Math.max(a, b));
    if (low.keeps(traceId)) {
      assertThat(high.keeps(traceId)).isTrue();
    }
  }

  @Test
  void keepsAboutTheRateOfRandomAndOfSequentialIds() {
    Random random = new Random(42);
    HexFormat hex = HexFormat.of();
    for (double rate : new double[] {0.01, 0.1, 0.5}) {
      TraceSampler sampler = new TraceSampler(rate);
      int randomKept = 0;
      int sequentialKept = 0;
      int n = 100_000;
      for (int i = 0; i < n; i++) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        randomKept += sampler.keeps(hex.formatHex(id)) ? 1 : 0;
        // Ids whose leading digits are a timestamp, as some tracers make them.
        sequentialKept += sampler.keeps(String.format("%08x%024x", 1_790_000_000 + i, i)) ? 1 : 0;
      }
      assertThat(randomKept / (double) n).as("random at %s", rate).isCloseTo(rate, within(rate));
      assertThat(sequentialKept / (double) n)
          .as("sequential at %s", rate)
          .isCloseTo(rate, within(rate));
    }
    assertThat(new TraceSampler(0).keeps("0af7651916cd43dd8448eb211c80319c")).isFalse();
    assertThat(new TraceSampler(1).keeps("0af7651916cd43dd8448eb211c80319c")).isTrue();
  }

  private static org.assertj.core.data.Offset<Double> within(double rate) {
    return org.assertj.core.data.Offset.offset(Math.max(0.002, rate * 0.05));
  }

  /**
   * M15 tail decision, rule 1: a transaction of a trace the hash does not keep is still sent in
   * full when it failed or lasted at least the slow threshold, and only then.
   */
  @Property(tries = 300)
  void failedAndSlowTransactionsOfUnkeptTracesAreKeptInFull(
      @ForAll("traceIds") String traceId,
      @ForAll @DoubleRange(min = 0, max = 5000) double durationMs,
      @ForAll boolean failed) {
    TraceSampler none = new TraceSampler(0, 1000);
    TransactionEvent t = transaction(traceId, "GET /", failed, durationMs);
    boolean interesting = failed || durationMs >= 1000;
    assertThat(none.keepsInFull(t)).isEqualTo(interesting);
    assertThat(none.perRequest(3).keeps(t)).isEqualTo(interesting);
    // A trace kept by its hash keeps every part, interesting or not.
    assertThat(new TraceSampler(1, 1000).keepsInFull(t)).isTrue();
  }

  @Test
  void theSlowThresholdIsInclusiveAndConfigurable() {
    TraceSampler sampler = new TraceSampler(0, 250);
    String trace = "0af7651916cd43dd8448eb211c80319c";
    assertThat(sampler.keepsInFull(transaction(trace, "GET /", false, 249.9))).isFalse();
    assertThat(sampler.keepsInFull(transaction(trace, "GET /", false, 250))).isTrue();
    assertThat(TraceSampler.DEFAULT.slowMs()).isEqualTo(1000);
    assertThat(TraceSampler.DEFAULT.keepsInFull(transaction(trace, "GET /", false, 999)))
        .isEqualTo(TraceSampler.DEFAULT.keeps(trace));
  }

  @Test
  void refusesASlowThresholdNotAboveZero() {
    for (double bad : new double[] {0, -1, Double.NaN}) {
      assertThatThrownBy(() -> new TraceSampler(0.1, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("slow threshold");
    }
  }

  @Test
  void transactionsWithoutATraceKeepThePerRequestChoice() {
    TraceSampler.Choice choice = new TraceSampler(0).perRequest(2);
    List<Boolean> kept =
        List.of(
            choice.keeps(transaction(null, "a", false)),
            choice.keeps(transaction(null, "a", false)),
            choice.keeps(transaction(null, "a", false)),
            choice.keeps(transaction(null, "a", true)),
            choice.keeps(transaction(null, "b", false)));
    assertThat(kept).containsExactly(true, true, false, true, true);
    assertThat(new TraceSampler(1).perRequest(0).keeps(transaction(null, "a", true))).isFalse();
  }

  @Test
  void refusesRatesOutsideZeroToOne() {
    for (double bad : new double[] {-0.1, 1.01, Double.NaN}) {
      assertThatThrownBy(() -> new TraceSampler(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("between 0 and 1");
    }
  }

  @Provide
  Arbitrary<String> traceIds() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("0123456789abcdef").ofLength(32),
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .numeric()
            .withChars("_-")
            .ofMinLength(1)
            .ofMaxLength(64));
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.of("GET /", "POST /orders", "job");
  }

  private static TransactionEvent transaction(String traceId, String name, boolean failed) {
    return transaction(traceId, name, failed, 1);
  }

  private static TransactionEvent transaction(
      String traceId, String name, boolean failed, double durationMs) {
    return new TransactionEvent(
        null,
        traceId,
        name,
        "request",
        Instant.EPOCH,
        durationMs,
        null,
        failed ? "failure" : "success",
        List.of(),
        null);
  }
}
