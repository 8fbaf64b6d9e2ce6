package io.upbeat.intake.validate;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Random damage to a valid body: bytes replaced, ranges deleted, tokens inserted, truncation. */
public final class BodyMutations {
  private BodyMutations() {}

  public static Arbitrary<byte[]> of(byte[] valid) {
    Arbitrary<Integer> position = Arbitraries.integers().between(0, valid.length - 1);
    Arbitrary<byte[]> replaceByte =
        Combinators.combine(position, Arbitraries.bytes())
            .as(
                (i, b) -> {
                  byte[] copy = valid.clone();
                  copy[i] = b;
                  return copy;
                });
    Arbitrary<byte[]> deleteRange =
        Combinators.combine(position, Arbitraries.integers().between(1, 40))
            .as(
                (i, n) -> {
                  int end = Math.min(valid.length, i + n);
                  byte[] copy = new byte[valid.length - (end - i)];
                  System.arraycopy(valid, 0, copy, 0, i);
                  System.arraycopy(valid, end, copy, i, valid.length - end);
                  return copy;
                });
    Arbitrary<byte[]> insertToken =
        Combinators.combine(
                position,
                Arbitraries.of(
                    "null",
                    "1e309",
                    "-1",
                    "\"\"",
                    "[]",
                    "{}",
                    "true",
                    ",",
                    ":",
                    "\"x\":1,",
                    "\"\\ud800\"",
                    "0.0000001",
                    "99999999999999999999",
                    "\"2026-11-26T10:15Z\""))
            .as(
                (i, token) -> {
                  byte[] t = token.getBytes(StandardCharsets.UTF_8);
                  byte[] copy = new byte[valid.length + t.length];
                  System.arraycopy(valid, 0, copy, 0, i);
                  System.arraycopy(t, 0, copy, i, t.length);
                  System.arraycopy(valid, i, copy, i + t.length, valid.length - i);
                  return copy;
                });
    Arbitrary<byte[]> truncate = position.map(i -> Arrays.copyOf(valid, i));
    return Arbitraries.oneOf(replaceByte, deleteRange, insertToken, truncate);
  }
}
