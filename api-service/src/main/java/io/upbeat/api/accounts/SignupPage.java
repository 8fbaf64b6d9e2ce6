package io.upbeat.api.accounts;

import io.upbeat.api.accounts.AccountPayloads.SignupRequest;
import io.upbeat.api.accounts.AccountService.NewAccount;
import io.upbeat.api.orgs.Invitations;
import io.upbeat.api.orgs.Invitations.Joined;
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
import org.springframework.web.util.UriComponentsBuilder;

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
  private final Invitations invitations;

  SignupPage(
      AccountService accounts,
      SessionSignIn sessions,
      Validator validator,
      Invitations invitations) {
    this.accounts = accounts;
    this.sessions = sessions;
    this.validator = validator;
    this.invitations = invitations;
  }

  /** What the form shows again after a refusal (never the password). */
  record Form(String email, String name, String orgName) {
    static final Form EMPTY = new Form("", "", "");
  }

  /**
   * The form; opened from an invitation link it carries the token ({@code invitation}) and the
   * invited e-mail, and signing up then accepts that invitation.
   */
  @GetMapping("/signup")
  String form(
      @RequestParam(defaultValue = "") String invitation,
      @RequestParam(defaultValue = "") String email,
      Model model) {
    model.addAttribute("form", new Form(email, "", ""));
    model.addAttribute("errors", Map.of());
    model.addAttribute("invitation", invitation);
    return "accounts/signup";
  }

  @PostMapping("/signup")
  String signup(
      @RequestParam(defaultValue = "") String email,
      @RequestParam(defaultValue = "") String password,
      @RequestParam(defaultValue = "") String name,
      @RequestParam(name = "org_name", defaultValue = "") String orgName,
      @RequestParam(defaultValue = "") String invitation,
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
        return invitation.isEmpty() ? "redirect:/apps" : acceptInvitation(invitation, account);
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
    model.addAttribute("invitation", invitation);
    return "accounts/signup";
  }

  /**
   * Signing up from an invitation link accepts it: the new user acted with the token (the e-mail
   * alone never joins anything). A token that is no longer valid leaves the new account as it is
   * and shows the invitation page, which says so.
   */
  private String acceptInvitation(String token, NewAccount account) {
    try {
      Joined joined = invitations.accept(token, account.user().id());
      return "redirect:/orgs/" + joined.id() + "/members";
    } catch (ApiException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      return "redirect:"
          + UriComponentsBuilder.fromPath("/invitations/accept")
              .queryParam("token", token)
              .encode()
              .toUriString();
    }
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
