package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two processors racing on a fresh topic and database count every transaction exactly once, from
 * the very first commit of each partition: in one consumer group (rebalances hand partitions over
 * while both are reading), and in two groups, where both own every partition at once, the worst a
 * rebalance can do (a processor that lost its partitions but still writes).
 */
class ITTwoProcessors {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final int PARTITIONS = 3;
  private final UUID app = UUID.randomUUID();
  private PipelineFixture f;
  private long expected;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", PARTITIONS);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void twoProcessorsInOneGroupCountExactly() throws Exception {
    race("processor-metrics", "processor-metrics");
  }

  @Test
  void twoOwnersOfEveryPartitionAreFencedFromTheFirstCommit() throws Exception {
    race("processor-metrics-a", "processor-metrics-b");
  }

  private void race(String groupA, String groupB) throws Exception {
    produce(30); // before either starts: both first commits race over the same records
    PipelineFixture.Running a = f.metrics(groupA);
    PipelineFixture.Running b = f.metrics(groupB);
    produce(30);
    await().atMost(Duration.ofSeconds(30)).until(() -> a.assigned() || b.assigned());
    produce(30);

    await().atMost(Duration.ofSeconds(60)).until(() -> stored() == expected);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("metrics").equals(f.endOffsets()));
    // Still exact once both have caught up: no late second write of anything.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> stored() == expected);
    a.stop();
    b.stop();
    assertThat(stored()).isEqualTo(expected);
    assertThat(
            f.value(
                "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name = ''"
                    + " AND app_id = '"
                    + app
                    + "'"))
        .isEqualTo(expected);
  }

  private long stored() throws Exception {
    return f.value(
        "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name <> '' AND app_id = '"
            + app
            + "'");
  }

  private void produce(int batches) throws Exception {
    for (int i = 0; i < batches; i++) {
      List<TransactionEvent> txns = new ArrayList<>();
      for (int t = 0; t < 5; t++) {
        txns.add(txn("GET /t" + t, 3));
      }
      f.send(i % PARTITIONS, batch(app, txns, List.of()));
      expected += txns.size();
    }
  }
}
