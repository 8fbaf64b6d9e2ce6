package io.upbeat.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class DisplayFormatTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:15:30Z");
  private final DisplayFormat fmt = new DisplayFormat(Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void durationsKeepAboutThreeDigits() {
    assertThat(fmt.ms(null)).isEqualTo("–");
    assertThat(fmt.ms(0.4217)).isEqualTo("0.42 ms");
    assertThat(fmt.ms(12.54)).isEqualTo("12.5 ms");
    assertThat(fmt.ms(140.3)).isEqualTo("140 ms");
    assertThat(fmt.ms(2210.0)).isEqualTo("2.21 s");
    assertThat(fmt.ms(90_000.0)).isEqualTo("1.50 min");
  }

  @Test
  void countsRatesAndShares() {
    assertThat(fmt.count(1234567)).isEqualTo("1,234,567");
    assertThat(fmt.rate(2.8333)).isEqualTo("2.8");
    assertThat(fmt.rate(1234.5)).isEqualTo("1,235");
    assertThat(fmt.percent(0)).isEqualTo("0 %");
    assertThat(fmt.percent(0.004)).isEqualTo("0.40 %");
    assertThat(fmt.percent(0.1)).isEqualTo("10 %");
    assertThat(fmt.percent(0.055)).isEqualTo("5.5 %");
  }

  @Test
  void timesAndAges() {
    assertThat(fmt.time(NOW)).isEqualTo("2026-11-26 10:15:30 UTC");
    assertThat(fmt.ago(NOW.minusSeconds(20))).isEqualTo("just now");
    assertThat(fmt.ago(NOW.minus(Duration.ofMinutes(5)))).isEqualTo("5 min ago");
    assertThat(fmt.ago(NOW.minus(Duration.ofHours(30)))).isEqualTo("30 h ago");
    assertThat(fmt.ago(NOW.minus(Duration.ofDays(9)))).isEqualTo("9 d ago");
    assertThat(fmt.ago(NOW.plusSeconds(300))).isEqualTo("in the future");
  }

  @Test
  void shasAndLineRanges() {
    assertThat(fmt.sha("9fceb02d0ae598e95dc970b74767f19372d61af8")).isEqualTo("9fceb02");
    assertThat(fmt.lines("[[40, 48], [60, 60]]")).isEqualTo("40–48, 60");
    assertThat(fmt.lines("[]")).isEqualTo("–");
    assertThat(fmt.lines(null)).isEqualTo("–");
    assertThat(fmt.lines("[[1,2],[ 3 ,\t3 ] ]")).isEqualTo("1–2, 3");
    assertThat(fmt.lines("[[1 2, 3], [4, 5x], [6, 7]")).isEqualTo("6–7");
    // A long run that is never a range is read once, not retried from every position.
    String odd = "[".repeat(50_000) + "1,".repeat(50_000);
    long start = System.nanoTime();
    assertThat(fmt.lines(odd)).isEqualTo("–");
    assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
  }
}
