package io.upbeat.api.releases;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleasePayloadsTest {
  private static List<String> problems(String authorEmail) {
    try (ValidatorFactory f = Validation.buildDefaultValidatorFactory()) {
      return f
          .getValidator()
          .validate(
              new ReleasePayloads.CommitRequest(
                  "a".repeat(40), "Dev", authorEmail, null, "m", List.of()))
          .stream()
          .map(c -> c.getPropertyPath() + " " + c.getMessage())
          .sorted()
          .toList();
    }
  }

  @Test
  void authorEmailsKeepTheirMessages() {
    assertThat(problems(null)).isEmpty();
    assertThat(problems("dev@shop.io")).isEmpty();
    assertThat(problems("dev@shop")).containsExactly("authorEmail must be an e-mail address");
    long start = System.nanoTime();
    assertThat(problems("a@" + "a".repeat(120_000)))
        .containsExactly(
            "authorEmail must be an e-mail address", "authorEmail must be at most 320 characters");
    assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L); // the factory included
  }
}
