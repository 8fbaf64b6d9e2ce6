package io.upbeat.intake.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The key's rules, and the keys of a request's records. */
class IdempotencyKeyTest {
  @Test
  void takesOneTo128PrintableAsciiCharacters() throws Exception {
    assertThat(IdempotencyKey.of((String) null)).isNull();
    assertThat(IdempotencyKey.of("a").value()).isEqualTo("a");
    assertThat(IdempotencyKey.of(" ~").value()).isEqualTo(" ~");
    assertThat(IdempotencyKey.of("k".repeat(128)).value()).hasSize(128);
    for (String bad :
        new String[] {"", "k".repeat(129), "a\u0000", "a\u001F", "a\u007F", "é", "\uD800"}) {
      assertThatThrownBy(() -> IdempotencyKey.of(bad))
          .as("%s", bad)
          .isInstanceOf(IdempotencyKey.InvalidException.class)
          .hasMessageStartingWith("The Idempotency-Key header must ");
    }
  }

  @Test
  void aRequestOfSeveralRecordsGivesEachItsOwnKeyAndNeverAClientsKey() throws Exception {
    IdempotencyKey key = IdempotencyKey.of("batch-1");
    assertThat(key.forRecord(0, 1)).isEqualTo("batch-1");
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      keys.add(key.forRecord(i, 12));
      assertThat(key.forRecord(i, 12)).isEqualTo(key.forRecord(i, 12)); // a retry maps the same
    }
    assertThat(keys).hasSize(12);
    // A derived key holds a character no client key may hold: it never equals another request's.
    assertThat(keys)
        .allSatisfy(
            k ->
                assertThatThrownBy(() -> IdempotencyKey.of(k))
                    .isInstanceOf(IdempotencyKey.InvalidException.class));
  }
}
