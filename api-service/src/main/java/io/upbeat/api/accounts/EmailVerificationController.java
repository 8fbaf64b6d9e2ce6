package io.upbeat.api.accounts;

import io.upbeat.api.security.CurrentUser;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Verifying an e-mail address: {@code POST /api/v1/email-verifications/confirm {"token"}} uses the
 * mailed token (no sign-in needed: the token is the proof), {@code POST
 * /api/v1/me/email-verification} mails a fresh link to the caller.
 */
@RestController
class EmailVerificationController {
  private final EmailVerification verification;

  EmailVerificationController(EmailVerification verification) {
    this.verification = verification;
  }

  record ConfirmRequest(
      @NotNull(message = "is required") @Size(max = 200, message = "is not a token")
          String token) {}

  record Verified(String email, boolean verified) {}

  record Sent(boolean sent) {}

  @PostMapping(
      path = "/api/v1/email-verifications/confirm",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  Verified confirm(@Valid @RequestBody ConfirmRequest request) {
    return new Verified(verification.confirm(request.token()), true);
  }

  @PostMapping(path = "/api/v1/me/email-verification", produces = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.ACCEPTED)
  Sent resend(@AuthenticationPrincipal CurrentUser user) {
    verification.resend(user);
    return new Sent(true);
  }
}
