package io.upbeat.api.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.params.Problems;
import io.upbeat.support.web.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The search syntax alone: words, terms, quotes, and the problem each bad part gets. */
class SearchQueryTest {
  private static SearchQuery parse(String q) {
    Problems problems = new Problems();
    SearchQuery s = SearchQuery.parse(q, "Me@Example.com", problems);
    problems.throwIfAny();
    return s;
  }

  private static String problem(String q) {
    Problems problems = new Problems();
    assertThat(SearchQuery.parse(q, "me@example.com", problems)).isNull();
    try {
      problems.throwIfAny();
    } catch (ApiException e) {
      return e.getMessage() + " " + e.details();
    }
    throw new AssertionError("no problem for " + q);
  }

  @Test
  void wordsAreLowerCasedAndQuotesKeepSpaces() {
    SearchQuery s = parse("  NullPointer  \"User Is\" cart  ");
    assertThat(s.words()).containsExactly("nullpointer", "user is", "cart");
    assertThat(parse("").isEmpty()).isTrue();
    assertThat(parse(null)).isEqualTo(SearchQuery.EMPTY);
    assertThat(parse("\"\"").isEmpty()).isTrue();
  }

  @Test
  void everyTerm() {
    SearchQuery s =
        parse(
            "is:resolved assigned:me assigned:none release:1.2 first-release:1.0"
                + " environment:staging user:42 tag.region:\"eu west\" tag.k:v word");
    assertThat(s.statuses()).containsExactly("resolved");
    assertThat(s.assignees()).containsExactly("me@example.com", ListQuery.UNASSIGNED);
    assertThat(s.releases()).containsExactly("1.2");
    assertThat(s.firstReleases()).containsExactly("1.0");
    assertThat(s.environments()).containsExactly("staging");
    assertThat(s.users()).containsExactly("42");
    assertThat(s.tags())
        .containsExactly(new SearchQuery.Tag("region", "eu west"), new SearchQuery.Tag("k", "v"));
    assertThat(s.words()).containsExactly("word");
    assertThat(parse("assigned:Dev@Example.COM").assignees()).containsExactly("dev@example.com");
  }

  @Test
  void badPartsAreNamed() {
    for (String q : List.of("is:open", "assigned:x", "colour:red", "tag.:v", "user:", "http://x")) {
      assertThat(problem(q)).as(q).contains(q.startsWith("http") ? "http:" : q);
    }
    assertThat(problem("tag.a:\"open")).contains("quote");
    assertThat(problem("a ".repeat(21))).contains("at most 20");
    assertThat(problem("x".repeat(1001))).contains("1000");
    assertThat(problem("a\u0000")).contains("control");
    assertThat(problem("a\uD800b")).contains("control");
    assertThat(problem("tag.k:" + "v".repeat(201))).contains("200");
  }

  @Test
  void likeMetacharactersAreEscaped() {
    assertThat(ErrorGroups.escapeLike("100%_a\\b")).isEqualTo("100\\%\\_a\\\\b");
  }
}
