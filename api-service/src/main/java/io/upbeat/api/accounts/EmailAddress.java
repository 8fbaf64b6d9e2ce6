package io.upbeat.api.accounts;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.RECORD_COMPONENT;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import io.upbeat.assignment.EmailAddresses;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * The annotated text, when not null, is an e-mail address as {@link EmailAddresses#wellFormed}
 * defines it: checked in one linear scan, never by a regular expression, so an address of any
 * length costs microseconds. The length is a separate constraint ({@code @Size(max = 320)}), as it
 * was beside the {@code @Pattern} this replaces.
 */
@Documented
@Constraint(validatedBy = EmailAddress.Validator.class)
@Target({FIELD, PARAMETER, RECORD_COMPONENT, TYPE_USE})
@Retention(RUNTIME)
public @interface EmailAddress {
  String message() default "must be an e-mail address";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  /** Null is valid (as with {@code @Pattern}); {@code @NotBlank} says when it is required. */
  final class Validator implements ConstraintValidator<EmailAddress, CharSequence> {
    @Override
    public boolean isValid(CharSequence value, ConstraintValidatorContext context) {
      return value == null || EmailAddresses.wellFormed(value);
    }
  }
}
