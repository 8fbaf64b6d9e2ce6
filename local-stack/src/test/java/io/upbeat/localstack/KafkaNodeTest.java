package io.upbeat.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node's settings cross a process boundary as command-line arguments: what the test that starts
 * it writes is what the node reads, and a mistake stops the node before it touches its storage.
 */
class KafkaNodeTest {
  private static final String VOTERS = "1@127.0.0.1:21001,2@127.0.0.1:21002,3@127.0.0.1:21003";

  @Test
  void readsBackTheArgumentsItWrote() {
    KafkaNode.Settings settings =
        new KafkaNode.Settings(
            2,
            Path.of("/tmp/kafka-2").toAbsolutePath(),
            22002,
            21002,
            VOTERS,
            "q1Sh-9_ISia_zwGINzRvyQ");

    assertThat(KafkaNode.Settings.parse(settings.arguments())).isEqualTo(settings);
  }

  @Test
  void refusesAMissingOrUnknownArgument() {
    List<String> args =
        new ArrayList<>(
            new KafkaNode.Settings(1, Path.of("/tmp/k"), 22001, 21001, VOTERS, "id").arguments());
    List<String> missing = args.subList(2, args.size());
    assertThatThrownBy(() -> KafkaNode.Settings.parse(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing [node-id]");

    List<String> unknown = new ArrayList<>(args);
    unknown.addAll(List.of("--node-count", "3"));
    assertThatThrownBy(() -> KafkaNode.Settings.parse(unknown))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown [node-count]");

    List<String> dangling = new ArrayList<>(args);
    dangling.add("--voters");
    assertThatThrownBy(() -> KafkaNode.Settings.parse(dangling))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesANodeThatIsNotAVoter() {
    assertThatThrownBy(
            () -> new KafkaNode.Settings(4, Path.of("/tmp/k"), 22004, 21004, VOTERS, "id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node 4 is not one of the voters");
  }

  @Test
  void replicatesTheClustersOwnTopicsLikeProduction() {
    assertThat(KafkaNode.replicated())
        .containsEntry("offsets.topic.replication.factor", "3")
        .containsEntry("transaction.state.log.replication.factor", "3")
        .containsEntry("transaction.state.log.min.isr", "2")
        .containsEntry("min.insync.replicas", "2");
  }
}
