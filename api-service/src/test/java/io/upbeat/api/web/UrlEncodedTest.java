package io.upbeat.api.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UrlEncodedTest {
  @Test
  void decodesLikeTheContainer() throws Exception {
    assertThat(UrlEncoded.decodeQuery("a=1&b=x+y&a=%C3%A9&c&=v&&d="))
        .containsExactly(
            Map.entry("a", List.of("1", "é")),
            Map.entry("b", List.of("x y")),
            Map.entry("c", List.of("")),
            Map.entry("", List.of("v")),
            Map.entry("d", List.of("")));
    assertThat(UrlEncoded.decodeQuery(null)).isEmpty();
    assertThat(UrlEncoded.decodeQuery("e=%00")).containsEntry("e", List.of("\0"));
  }

  @Test
  void namesTheParameterThatCannotBeDecoded() {
    for (String[] c :
        new String[][] {
          {"ok=1&environment=%C0%AF", "environment"},
          {"environment=%ED%A0%80", "environment"},
          {"environment=%ZZ", "environment"},
          {"environment=%4", "environment"},
          {"environment=%", "environment"},
          {"env%C0ironment=x", "query"},
        }) {
      assertThatThrownBy(() -> UrlEncoded.decodeQuery(c[0]))
          .as(c[0])
          .isInstanceOfSatisfying(
              UrlEncoded.Malformed.class, e -> assertThat(e.field).isEqualTo(c[1]));
    }
  }
}
