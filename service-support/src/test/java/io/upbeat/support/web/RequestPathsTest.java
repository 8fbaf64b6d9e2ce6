package io.upbeat.support.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestPathsTest {
  @Test
  void wellFormedPaths() {
    assertThat(RequestPaths.isWellFormed("/api/v1/apps/1/releases/1.0%20%C3%A9")).isTrue();
    assertThat(RequestPaths.isWellFormed("/")).isTrue();
  }

  @Test
  void illFormedPaths() {
    for (String path :
        new String[] {
          "/a%00b", "/a%C0%AFb", "/a%ED%A0%80", "/a%2Fb", "/a%5cb", "/a%G0", "/a%4", null
        }) {
      assertThat(RequestPaths.isWellFormed(path)).as(path).isFalse();
    }
  }
}
