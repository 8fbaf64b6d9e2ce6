package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.errors.ErrorStore;
import io.upbeat.processor.errors.ErrorWork;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two processors racing on a fresh topic and database count every error exactly once, from the very
 * first commit of each partition: in one consumer group (rebalances hand partitions over while both
 * are reading), and in two groups, where both own every partition at once, the worst a rebalance
 * can do (a processor that lost its partitions but still writes).
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
    race("processor-errors", "processor-errors");
  }

  @Test
  void twoOwnersOfEveryPartitionAreFencedFromTheFirstCommit() throws Exception {
    race("processor-errors-a", "processor-errors-b");
  }

  private void race(String groupA, String groupB) throws Exception {
    produce(30); // before either starts: both first commits race over the same records
    CyclicBarrier firstCommits = new CyclicBarrier(2);
    PipelineFixture.Running a = errors(groupA, firstCommits);
    PipelineFixture.Running b = errors(groupB, firstCommits);
    produce(30);
    await().atMost(Duration.ofSeconds(30)).until(() -> a.assigned() || b.assigned());
    produce(30);

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(stored()).isEqualTo(expected));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("errors").equals(f.endOffsets()));
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
                "SELECT coalesce(sum(h.count), 0) FROM error_hourly h JOIN error_groups g"
                    + " ON g.id = h.group_id WHERE g.app_id = '"
                    + app
                    + "'"))
        .isEqualTo(expected);
  }

  /**
   * An errors pipeline (its counts add up, so a second write of the same records shows) whose first
   * commit waits inside its transaction, after the fence, for the other's first commit (up to 3 s):
   * two first commits that the fence lets through both at once would meet there and both write.
   */
  private PipelineFixture.Running errors(String group, CyclicBarrier firstCommits) {
    ErrorStore effects = new ErrorStore(5);
    AtomicBoolean first = new AtomicBoolean(true);
    Effects<ErrorWork> meeting =
        new Effects<>() {
          @Override
          public int write(Connection c, List<WorkStore.Flush<ErrorWork>> flushes)
              throws SQLException {
            if (first.getAndSet(false)) {
              try {
                firstCommits.await(3, TimeUnit.SECONDS);
              } catch (TimeoutException | BrokenBarrierException e) {
                // the other is held by the fence: as it should be
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return effects.write(c, flushes);
          }

          @Override
          public void prepare(LocalDate today) throws SQLException {
            effects.prepare(today);
          }
        };
    return f.start(
        "errors",
        EventBatchCodec.Parts.ERRORS,
        group,
        f.producer(),
        new LedgerStore<>(new OffsetLedger(f.db, "errors"), meeting),
        meters -> ErrorWork.factory(5, meters));
  }

  private long stored() throws Exception {
    return f.value("SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '" + app + "'");
  }

  private void produce(int batches) throws Exception {
    for (int i = 0; i < batches; i++) {
      List<ErrorEvent> errors = new ArrayList<>();
      for (int e = 0; e < 5; e++) {
        errors.add(error("com.shop.E" + e, "failed " + i, "GET /e"));
      }
      f.send(i % PARTITIONS, batch(app, List.of(), errors));
      expected += errors.size();
    }
  }
}
