package io.upbeat.api.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class EmailAddressTest {
  private static final ValidatorFactory FACTORY = Validation.buildDefaultValidatorFactory();
  private static final Validator VALIDATOR = FACTORY.getValidator();

  @AfterAll
  static void close() {
    FACTORY.close();
  }

  private static List<String> problems(String email) {
    Set<ConstraintViolation<AccountPayloads.SignupRequest>> v =
        VALIDATOR.validate(new AccountPayloads.SignupRequest(email, "0123456789", null, "Shop"));
    return v.stream().map(c -> c.getPropertyPath() + " " + c.getMessage()).sorted().toList();
  }

  @Test
  void signUpKeepsItsMessages() {
    assertThat(problems("dev@shop.io")).isEmpty();
    assertThat(problems("dev@localhost")).containsExactly("email must be an e-mail address");
    assertThat(problems(" dev@shop.io")).containsExactly("email must be an e-mail address");
    assertThat(problems("a" + "b".repeat(320) + "@shop.io"))
        .containsExactly("email must be at most 320 characters");
  }

  @Test
  void a120KbAddressIsRefusedAtOnce() {
    for (String huge :
        List.of(
            "a@" + "a".repeat(120_000), "a@" + "a.".repeat(60_000) + "@", "a".repeat(120_000))) {
      problems(huge); // warm up
      long start = System.nanoTime();
      assertThat(problems(huge))
          .containsExactly(
              "email must be an e-mail address", "email must be at most 320 characters");
      assertThat(System.nanoTime() - start).isLessThan(50_000_000L);
    }
  }

  @Test
  void emailsIsValidTrimsAndLimits() {
    assertThat(Emails.isValid(" dev@shop.io ")).isTrue();
    assertThat(Emails.isValid("dev@shop")).isFalse();
    assertThat(Emails.isValid(null)).isFalse();
    assertThat(Emails.isValid("a@" + "a".repeat(120_000))).isFalse();
  }
}
