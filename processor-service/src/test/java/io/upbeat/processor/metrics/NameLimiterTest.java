package io.upbeat.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.EventBatch;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class NameLimiterTest {
  private static final Instant MINUTE = Instant.parse("2026-11-26T10:15:00Z");

  @Test
  void foldsNamesBeyondTheLimitPerAppAndMinute() {
    NameLimiter limiter = new NameLimiter(2);
    UUID app = UUID.randomUUID();

    assertThat(limiter.admit(app, MINUTE, "a")).isEqualTo("a");
    assertThat(limiter.admit(app, MINUTE, "b")).isEqualTo("b");
    assertThat(limiter.admit(app, MINUTE, "c")).isEqualTo(NameLimiter.OTHER);
    assertThat(limiter.admit(app, MINUTE, "a")).isEqualTo("a");
    assertThat(limiter.admit(app, MINUTE.plusSeconds(60), "c")).isEqualTo("c");
    assertThat(limiter.admit(UUID.randomUUID(), MINUTE, "c")).isEqualTo("c");
  }

  @Test
  void theAggregatorCountsFoldedTransactionsUnderOther() {
    MinuteAggregator aggregator = new MinuteAggregator(new NameLimiter(3));
    List<TransactionEvent> txns = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      txns.add(
          new TransactionEvent(
              null,
              null,
              "GET /users/" + i,
              "request",
              MINUTE.plusSeconds(i),
              1,
              null,
              null,
              null,
              null));
    }
    UUID app = UUID.randomUUID();
    aggregator.add(
        new EventBatch(
            UUID.randomUUID(),
            app,
            MINUTE,
            new ServiceInfo("shop", null, null, null, null, null, null),
            txns,
            List.of()),
        MINUTE.minusSeconds(3600));

    // Three admitted names, _other, and the app-wide row, which counts all ten.
    assertThat(aggregator.pending()).hasSize(5);
    assertThat(
            aggregator
                .pending()
                .get(new MetricKey(app, "production", "request", MinuteAggregator.ALL, MINUTE))
                .count())
        .isEqualTo(10);
    assertThat(aggregator.folded()).isEqualTo(7);
    assertThat(
            aggregator
                .pending()
                .get(new MetricKey(app, "production", "request", NameLimiter.OTHER, MINUTE))
                .count())
        .isEqualTo(7);
  }
}
