package io.upbeat.localstack.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DemoTrafficTest {
  private static final Pattern USER = Pattern.compile("/users/(\\d+)(/orders|/discount)?");

  @Test
  void mixesMostlyWorkingRequestsWithAFewThatFailTheWayTheShopsBugsDo() {
    SplittableRandom random = new SplittableRandom(42);
    Map<String, Integer> kinds = new TreeMap<>();
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      String path = DemoTraffic.nextPath(random);
      var m = USER.matcher(path);
      assertThat(m.matches()).as(path).isTrue();
      int id = Integer.parseInt(m.group(1));
      String suffix = m.group(2) == null ? "" : m.group(2);
      String kind =
          id == 0 ? "bad request" + suffix : (id > 1000 ? "unknown user" : "known user") + suffix;
      kinds.merge(kind, 1, Integer::sum);
    }
    assertThat(share(kinds, "known user", n)).isCloseTo(0.42, within());
    assertThat(share(kinds, "known user/orders", n)).isCloseTo(0.30, within());
    assertThat(share(kinds, "known user/discount", n)).isCloseTo(0.21, within());
    assertThat(share(kinds, "unknown user/discount", n)).isCloseTo(0.03, within());
    assertThat(share(kinds, "unknown user", n)).isCloseTo(0.02, within());
    assertThat(share(kinds, "bad request/discount", n)).isCloseTo(0.02, within());
    assertThat(kinds).hasSize(6);
  }

  @Test
  void isBoundedToFourRequestsASecond() {
    assertThat(DemoTraffic.PERIOD.toMillis()).isEqualTo(250);
  }

  private static double share(Map<String, Integer> kinds, String kind, int n) {
    return kinds.getOrDefault(kind, 0) / (double) n;
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(0.005);
  }
}
