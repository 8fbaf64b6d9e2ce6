package io.upbeat.api.accounts;

import io.upbeat.api.accounts.AccountPayloads.LoginRequest;
import io.upbeat.api.accounts.AccountPayloads.LoginResponse;
import io.upbeat.api.accounts.AccountPayloads.MeResponse;
import io.upbeat.api.accounts.AccountPayloads.SignupRequest;
import io.upbeat.api.accounts.AccountPayloads.SignupResponse;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.web.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class AccountsController {
  private final AccountService accounts;
  private final LoginService logins;
  private final ClientAddress clientAddresses;

  AccountsController(AccountService accounts, LoginService logins, ClientAddress clientAddresses) {
    this.accounts = accounts;
    this.logins = logins;
    this.clientAddresses = clientAddresses;
  }

  /** Creates a user and their first org (the user owns it) and returns an API key. */
  @PostMapping(path = "/signup", consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  SignupResponse signup(@Valid @RequestBody SignupRequest request) {
    return accounts.signup(request);
  }

  /** Checks e-mail and password and returns a new API key. */
  @PostMapping(path = "/login", consumes = MediaType.APPLICATION_JSON_VALUE)
  LoginResponse login(@Valid @RequestBody LoginRequest request, HttpServletRequest http) {
    return new LoginResponse(
        logins.login(request.email(), request.password(), clientAddresses.of(http)));
  }

  /** The caller and the orgs they belong to, with their role in each. */
  @GetMapping("/me")
  MeResponse me(@AuthenticationPrincipal CurrentUser user) {
    return accounts.me(user);
  }
}
