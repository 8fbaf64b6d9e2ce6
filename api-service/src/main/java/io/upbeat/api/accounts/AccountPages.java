package io.upbeat.api.accounts;

import io.upbeat.api.accounts.ApiKeys.CreatedApiKey;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.security.BrowserSessions;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The signed-in user's account page: their API keys (listed as {@code GET /api/v1/me/api-keys}
 * lists them, created with the value shown once, revoked) and "sign out everywhere". The key forms
 * swap the keys section through htmx; without htmx they answer with the whole page (201 created,
 * 400 refused). Signing out everywhere is a plain form post, since it ends this session too: it
 * redirects to the sign-in form.
 */
@Controller
@RequestMapping("/account")
class AccountPages {
  private static final String PAGE = "accounts/account";
  private static final String SECTION = "accounts/account :: keys";

  /** The lifetimes the form offers, in days; empty means no expiry. */
  static final List<String> LIFETIMES = List.of("30", "90", "365", "");

  private final ApiKeys keys;
  private final BrowserSessions sessions;
  private final Clock clock;
  private final AuditLog audit;
  private final EmailVerification verification;

  AccountPages(
      ApiKeys keys,
      BrowserSessions sessions,
      Clock clock,
      AuditLog audit,
      EmailVerification verification) {
    this.audit = audit;
    this.verification = verification;
    this.keys = keys;
    this.sessions = sessions;
    this.clock = clock;
  }

  /** What the create form shows again: the values typed and the problems, if refused. */
  record CreateForm(String name, String expiresInDays, List<String> problems) {
    static final CreateForm EMPTY = new CreateForm("", "90", List.of());
  }

  @GetMapping
  String page(@AuthenticationPrincipal CurrentUser user, Model model) {
    show(user, CreateForm.EMPTY, null, model);
    return PAGE;
  }

  @PostMapping("/api-keys")
  String create(
      @AuthenticationPrincipal CurrentUser user,
      @RequestParam(defaultValue = "") String name,
      @RequestParam(name = "expires_in_days", defaultValue = "") String expiresInDays,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    List<String> problems = new ArrayList<>();
    BigDecimal days = null;
    if (!expiresInDays.isEmpty()) {
      if (expiresInDays.length() <= 9
          && expiresInDays.chars().allMatch(c -> c >= '0' && c <= '9')) {
        days = new BigDecimal(expiresInDays);
      } else {
        problems.add("The expiry must be a number of days from 1 to 365, or none.");
      }
    }
    CreatedApiKey created = null;
    if (problems.isEmpty()) {
      try {
        created = keys.create(user, ApiKeys.validate(name, days));
      } catch (ApiException e) {
        if (e.code() != ErrorCode.INVALID_PAYLOAD) {
          throw e;
        }
        for (Detail d : e.details()) {
          problems.add(
              d.field().equals("name")
                  ? "The name " + d.problem() + "."
                  : "The expiry must be a number of days from 1 to 365, or none.");
        }
      }
    }
    if (!htmx) {
      response.setStatus(
          created == null ? HttpStatus.BAD_REQUEST.value() : HttpStatus.CREATED.value());
    }
    show(
        user,
        created == null ? new CreateForm(name, expiresInDays, problems) : CreateForm.EMPTY,
        created,
        model);
    return htmx ? SECTION : PAGE;
  }

  @PostMapping("/api-keys/{keyId}/revoke")
  String revoke(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String keyId,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      Model model) {
    keys.revoke(user, keyId);
    show(user, CreateForm.EMPTY, null, model);
    model.addAttribute("revoked", true);
    return htmx ? SECTION : PAGE;
  }

  /** Ends every browser session of the user (this one too) and revokes their login keys. */
  @PostMapping("/sessions/revoke")
  String signOutEverywhere(@AuthenticationPrincipal CurrentUser user, HttpServletRequest request) {
    keys.revokeLoginKeys(user.id(), null);
    sessions.endAll(user, request);
    audit.account(user.id(), user.email(), AuditAction.SESSIONS_REVOKED, null);
    return "redirect:/login?logout";
  }

  /** Mails a fresh verification link; the page says whether it went. */
  @PostMapping("/email-verification")
  String resendVerification(
      @AuthenticationPrincipal CurrentUser user, HttpServletResponse response, Model model) {
    String outcome;
    try {
      verification.resend(user);
      outcome = "A new link is on its way to " + user.email() + ".";
    } catch (ApiException e) {
      response.setStatus(e.code().status().value());
      outcome = e.getMessage();
    }
    show(user, CreateForm.EMPTY, null, model);
    model.addAttribute("verificationOutcome", outcome);
    return PAGE;
  }

  private void show(CurrentUser user, CreateForm form, CreatedApiKey created, Model model) {
    model.addAttribute("emailVerified", verification.verifiedAt(user.id()).isPresent());
    model.addAttribute("verificationOutcome", null);
    model.addAttribute("keys", keys.list(user.id()));
    model.addAttribute("now", clock.instant());
    model.addAttribute("form", form);
    model.addAttribute("lifetimes", LIFETIMES);
    model.addAttribute("created", created);
  }
}
