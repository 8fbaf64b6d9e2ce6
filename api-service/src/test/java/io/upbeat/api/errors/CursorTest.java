package io.upbeat.api.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.errors.ErrorPayloads.ErrorGroup;
import io.upbeat.api.params.Problems;
import io.upbeat.support.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CursorTest {
  private static final UUID ID = UUID.fromString("7d0c6c4e-1b2a-4c3d-8e9f-0a1b2c3d4e5f");

  private static ErrorGroup group(long count, Instant first, Instant last) {
    return new ErrorGroup(
        ID,
        "T",
        null,
        null,
        count,
        first,
        last,
        null,
        null,
        "unresolved",
        null,
        false,
        null,
        null,
        null,
        null);
  }

  @Test
  void roundTripsEachSortToTheMicrosecond() {
    Instant first = Instant.parse("2026-01-02T03:04:05.123456Z");
    Instant last = Instant.parse("2026-11-26T10:15:30.000001Z");
    for (Sort sort : Sort.values()) {
      Cursor c = Cursor.after(sort, group(42, first, last));
      Problems problems = new Problems();
      Cursor back = Cursor.decode(c.encode(), sort, problems);
      problems.throwIfAny();
      assertThat(back).isEqualTo(c);
      assertThat(c.encode()).matches("[A-Za-z0-9_-]+");
    }
    assertThat(Cursor.after(Sort.COUNT, group(42, first, last)).keyValue()).isEqualTo(42L);
  }

  @Test
  void refusesForeignTamperedAndOtherSortCursors() {
    String count = Cursor.after(Sort.COUNT, group(3, Instant.EPOCH, Instant.EPOCH)).encode();
    for (String bad :
        new String[] {
          "",
          "!!!",
          "djE",
          b64("v2:count:3:" + ID),
          b64("v1:count:-3:" + ID),
          b64("v1:count:3:" + ID + ":x"),
          b64("v1:count:3:not-a-uuid"),
          b64("v1:count:99999999999999999999:" + ID),
          b64("v1:last_seen:999999999999999999:" + ID),
          b64("v1:name:3:" + ID),
          "x".repeat(300)
        }) {
      Problems problems = new Problems();
      assertThat(Cursor.decode(bad, Sort.COUNT, problems)).as(bad).isNull();
      assertThat(thrown(problems).details().getFirst().field()).isEqualTo("cursor");
    }
    Problems problems = new Problems();
    assertThat(Cursor.decode(count, Sort.LAST_SEEN, problems)).isNull();
    assertThat(thrown(problems).details().getFirst().problem()).contains("sort=count");
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static ApiException thrown(Problems problems) {
    try {
      problems.throwIfAny();
    } catch (ApiException e) {
      return e;
    }
    throw new AssertionError("no problem recorded");
  }
}
