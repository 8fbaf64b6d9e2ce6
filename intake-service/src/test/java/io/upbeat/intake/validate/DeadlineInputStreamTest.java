package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeadlineInputStreamTest {
  @Test
  void failsEveryReadOnceTheTimeIsUp() throws Exception {
    AtomicLong nanos = new AtomicLong(1_000);
    DeadlineInputStream in =
        new DeadlineInputStream(
            new ByteArrayInputStream(new byte[100]), Duration.ofSeconds(30), nanos::get);

    assertThat(in.read(new byte[10], 0, 10)).isEqualTo(10);
    nanos.addAndGet(Duration.ofSeconds(29).toNanos());
    assertThat(in.read()).isZero();
    assertThat(in.expired()).isFalse();

    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThatThrownBy(() -> in.read(new byte[10], 0, 10))
        .isInstanceOf(DeadlineInputStream.ReadTimeoutException.class);
    assertThat(in.expired()).isTrue();
    assertThat(in.answer())
        .isEqualTo(
            "The request body did not arrive within 30 s; send it faster or in smaller batches.");
  }
}
