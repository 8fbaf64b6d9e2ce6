package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorContextTest {
  @Test
  void readsRequestUserAndTagsOfTheCanonicalShape() {
    ErrorContext c =
        ErrorContext.parse(
            """
            {"request": {"method": "GET", "url": "/users/42?x=1",
                         "headers": {"Accept": "text/html", "X-Forwarded-For": ["1.2.3.4", "5.6.7.8"]}},
             "user": {"id": "42", "email": "a@example.com", "name": "Ann"},
             "tags": {"region": "eu", "shard": 7, "beta": true, "nested": {"x": 1}, "none": null},
             "custom": {"anything": [1, 2]}}
            """);
    assertThat(c.request().method()).isEqualTo("GET");
    assertThat(c.request().url()).isEqualTo("/users/42?x=1");
    assertThat(c.request().headers())
        .containsExactly(
            Map.entry("Accept", "text/html"), Map.entry("X-Forwarded-For", "1.2.3.4, 5.6.7.8"));
    assertThat(c.user()).isEqualTo(new ErrorContext.User("42", "a@example.com", "Ann"));
    assertThat(c.tags())
        .containsExactly(
            Map.entry("region", "eu"), Map.entry("shard", "7"), Map.entry("beta", "true"));
    assertThat(c.userKey()).isEqualTo("id:42");
  }

  @Test
  void theUserIsTheIdElseTheEmailInLowerCaseElseNone() {
    assertThat(ErrorContext.parse("{\"user\": {\"id\": 7}}").userKey()).isEqualTo("id:7");
    assertThat(ErrorContext.parse("{\"user\": {\"id\": \"\", \"email\": \"Ann@X.org\"}}").userKey())
        .isEqualTo("email:ann@x.org");
    assertThat(ErrorContext.parse("{\"user\": {\"name\": \"Ann\"}}").userKey()).isNull();
    assertThat(ErrorContext.parse("{\"tags\": {}}").userKey()).isNull();
    for (String json :
        new String[] {
          "{\"user\": {\"id\": 7}}",
          "{\"tags\": {\"a\": 1}, \"user\": {\"email\": \"A@b.c\"}}",
          "{\"user\": {\"name\": \"n\"}}",
          "{\"user\": [1]}",
          "[]",
          "{",
          "nonsense"
        }) {
      assertThat(ErrorContext.userKey(json)).isEqualTo(ErrorContext.parse(json).userKey());
    }
    assertThat(ErrorContext.userKey(null)).isNull();
  }

  @Test
  void anythingElseIsEmptyNeverAnError() {
    for (String json :
        new String[] {
          null, "", "[]", "42", "{", "{\"user\": [1]}", "not json", "{\"request\": \"GET\"}"
        }) {
      ErrorContext c = ErrorContext.parse(json);
      assertThat(c.request()).isNull();
      assertThat(c.user()).isNull();
      assertThat(c.tags()).isEmpty();
    }
    assertThat(ErrorContext.parse("{\"request\": {}, \"user\": {}}")).isEqualTo(ErrorContext.EMPTY);
  }
}
