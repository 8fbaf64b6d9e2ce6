package io.upbeat.api.accounts;

import io.upbeat.api.accounts.AccountPayloads.SignupRequest;
import io.upbeat.api.accounts.AccountService.NewAccount;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.security.SessionSignIn;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The sign-up form: creates the account and its first org like {@code POST /api/v1/signup} (same
 * rules, same messages), then signs the new user in on a browser session instead of handing out an
 * API key.
 */
@Controller
class SignupPage {
  private final AccountService accounts;
  private final SessionSignIn sessions;
  private final Validator validator;

  SignupPage(AccountService accounts, SessionSignIn sessions, Validator validator) {
    this.accounts = accounts;
    this.sessions = sessions;
    this.validator = validator;
  }

  /** What the form shows again after a refusal (never the password). */
  record Form(String email, String name, String orgName) {
    static final Form EMPTY = new Form("", "", "");
  }

  @GetMapping("/signup")
  String form(Model model) {
    model.addAttribute("form", Form.EMPTY);
    model.addAttribute("errors", Map.of());
    return "accounts/signup";
  }

  @PostMapping("/signup")
  String signup(
      @RequestParam(defaultValue = "") String email,
      @RequestParam(defaultValue = "") String password,
      @RequestParam(defaultValue = "") String name,
      @RequestParam(name = "org_name", defaultValue = "") String orgName,
      HttpServletRequest request,
      HttpServletResponse response,
      Model model) {
    SignupRequest signup =
        new SignupRequest(email.trim(), password, name.isBlank() ? null : name.trim(), orgName);
    Map<String, String> errors = new LinkedHashMap<>();
    for (ConstraintViolation<SignupRequest> v : validator.validate(signup)) {
      String field = v.getPropertyPath().toString();
      errors.putIfAbsent(field, sentence(field, v.getMessage()));
    }
    if (errors.isEmpty()) {
      try {
        NewAccount account = accounts.createAccount(signup);
        sessions.signIn(
            new CurrentUser(account.user().id(), account.user().email()), request, response);
        return "redirect:/apps";
      } catch (ApiException e) {
        if (e.code() == ErrorCode.CONFLICT) {
          errors.put("email", e.getMessage());
        } else if (e.code() == ErrorCode.INVALID_PAYLOAD && !e.details().isEmpty()) {
          for (ErrorBody.Detail d : e.details()) {
            errors.putIfAbsent(d.field(), sentence(d.field(), d.problem()));
          }
        } else {
          throw e;
        }
        response.setStatus(e.code().status().value());
      }
    } else {
      response.setStatus(HttpStatus.BAD_REQUEST.value());
    }
    model.addAttribute("form", new Form(email, name, orgName));
    model.addAttribute("errors", errors);
    return "accounts/signup";
  }

  /** "The password must be at least 10 characters." from a field and its problem. */
  private static String sentence(String field, String problem) {
    String label =
        switch (field) {
          case "email" -> "The e-mail";
          case "password" -> "The password";
          case "name" -> "Your name";
          case "orgName" -> "The organization name";
          default -> field;
        };
    return label + " " + problem + ".";
  }
}
