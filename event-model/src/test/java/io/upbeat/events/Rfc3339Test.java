package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class Rfc3339Test {
  @Test
  void readsTheFormsAgentsSend() {
    assertThat(Rfc3339.parse("2026-11-26T10:15:30.123Z"))
        .isEqualTo(Instant.parse("2026-11-26T10:15:30.123Z"));
    assertThat(Rfc3339.parse("2026-11-26T10:15:30Z"))
        .isEqualTo(Instant.parse("2026-11-26T10:15:30Z"));
    assertThat(Rfc3339.parse("2026-11-26t11:15:30.000000001+01:00"))
        .isEqualTo(Instant.parse("2026-11-26T10:15:30.000000001Z"));
    assertThat(Rfc3339.parse("2026-11-26T00:00:00-05:30"))
        .isEqualTo(Instant.parse("2026-11-26T05:30:00Z"));
    assertThat(Rfc3339.parse("2024-02-29T23:59:59.5z"))
        .isEqualTo(Instant.parse("2024-02-29T23:59:59.500Z"));
  }

  @Test
  void refusesWhatIsNotRfc3339WithAZone() {
    for (String bad :
        new String[] {
          "",
          "2026-11-26",
          "2026-11-26T10:15:30",
          "2026-11-26 10:15:30Z",
          "2026-11-26T10:15:30.Z",
          "2026-11-26T10:15:30.1234567891Z",
          "2026-13-01T00:00:00Z",
          "2026-02-29T00:00:00Z",
          "2026-11-26T24:00:00Z",
          "2026-11-26T10:60:00Z",
          "2026-11-26T10:15:60Z",
          "2026-11-26T10:15:30+0100",
          "2026-11-26T10:15:30+01:00X",
          "2026-11-26T10:15:30+24:00",
          "+2026-11-26T10:15:30Z",
          "2026-1a-26T10:15:30Z",
          "1732615000",
        }) {
      assertThat(Rfc3339.parse(bad)).as(bad).isNull();
    }
  }

  @Property(tries = 3000)
  void agreesWithTheJdkOnEveryInstantAndOffset(
      @ForAll @LongRange(min = 0, max = 253_402_300_799L) long epochSecond,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
      @ForAll @IntRange(min = -18 * 60 + 1, max = 18 * 60 - 1) int offsetMinutes) {
    ZoneOffset offset = ZoneOffset.ofTotalSeconds(offsetMinutes * 60);
    OffsetDateTime t = Instant.ofEpochSecond(epochSecond, nanos).atOffset(offset);
    String text = t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    Instant expected;
    try {
      expected = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return;
    }
    if (t.getYear() > 9999 || t.getYear() < 0) {
      return; // RFC 3339 years have four digits
    }
    assertThat(Rfc3339.parse(text)).as(text).isEqualTo(expected);
  }

  @Test
  void formatsAsInstantToStringDoes() {
    for (String text :
        new String[] {
          "2026-11-26T10:15:30Z",
          "2026-11-26T10:15:30.100Z",
          "2026-11-26T10:15:30.123400Z",
          "2026-11-26T10:15:30.000000001Z",
          "1970-01-01T00:00:00Z",
          "1969-12-31T23:59:59.999999999Z",
          "0000-01-01T00:00:00Z",
          "9999-12-31T23:59:59.5Z",
        }) {
      Instant t = Instant.parse(text);
      assertThat(Rfc3339.format(t)).as(text).isEqualTo(t.toString());
    }
    // Beyond four-digit years Instant.toString writes a sign or more digits: left to it.
    assertThat(Rfc3339.format(Instant.MIN)).isEqualTo(Instant.MIN.toString());
    assertThat(Rfc3339.format(Instant.MAX)).isEqualTo(Instant.MAX.toString());
  }

  @Property(tries = 3000)
  void formatAgreesWithInstantToStringAndParsesBack(
      @ForAll @LongRange(min = -62_167_219_200L, max = 253_402_300_799L) long epochSecond,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
      @ForAll @IntRange(min = 0, max = 3) int rounding) {
    // Round the fraction to whole seconds, milliseconds or microseconds as often as not: the
    // shorter forms are the common ones.
    int n =
        switch (rounding) {
          case 0 -> 0;
          case 1 -> nanos / 1_000_000 * 1_000_000;
          case 2 -> nanos / 1_000 * 1_000;
          default -> nanos;
        };
    Instant t = Instant.ofEpochSecond(epochSecond, n);
    String text = Rfc3339.format(t);
    assertThat(text).isEqualTo(t.toString());
    assertThat(Rfc3339.parse(text)).isEqualTo(t);
  }
}
