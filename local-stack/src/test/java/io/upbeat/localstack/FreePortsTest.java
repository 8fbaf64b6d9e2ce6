package io.upbeat.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Ports picked one after another before any is bound are all different: {@code ./upbeat dev} picked
 * the same random port for two of its services once (a red CI run), since a free port stays free
 * until bound.
 */
class FreePortsTest {
  @Test
  void neverHandsOutAPortTwice() {
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 3_000; i++) {
      int port = FreePorts.pick();
      assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
      assertThat(port).isBetween(FreePorts.FIRST, FreePorts.LAST);
    }
  }
}
