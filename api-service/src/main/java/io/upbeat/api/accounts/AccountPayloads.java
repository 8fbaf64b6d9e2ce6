package io.upbeat.api.accounts;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.UUID;

/** Request and response bodies of the accounts endpoints. */
final class AccountPayloads {
  private AccountPayloads() {}

  record SignupRequest(
      @NotBlank(message = "is required")
          @Size(max = 320, message = "must be at most 320 characters")
          @EmailAddress
          String email,
      @NotNull(message = "is required") @Size(min = 10, message = "must be at least 10 characters")
          String password,
      @Size(max = 200, message = "must be at most 200 characters") String name,
      @NotBlank(message = "is required")
          @Size(max = 200, message = "must be at most 200 characters")
          String orgName) {}

  record LoginRequest(
      @NotBlank(message = "is required") String email,
      @NotNull(message = "is required") String password) {}

  /**
   * A user as the API shows them.
   *
   * @param emailVerified whether they proved the address is theirs (only then are they mailed)
   */
  record UserView(UUID id, String email, String name, boolean emailVerified) {}

  record OrgView(UUID id, String slug, String name) {}

  record SignupResponse(UserView user, OrgView org, String apiKey) {}

  record LoginResponse(String apiKey) {}

  record MyOrg(UUID id, String slug, String name, String role) {}

  record MeResponse(UserView user, List<MyOrg> orgs) {}
}
