package io.upbeat.api.ownership;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.ownership.OwnershipStore.Stored;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.util.List;
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
 * The ownership rules section of an app's settings: the CODEOWNERS-style text in a textarea, saved
 * whole and validated as {@code PUT /api/v1/apps/{id}/ownership} validates it (a bad line is named
 * by number and nothing is stored). htmx requests get the section alone, others a page of its own.
 */
@Controller
@RequestMapping("/apps/{appId}/settings/ownership")
class OwnershipPages {
  private static final String PAGE = "ownership/ownership";
  private static final String SECTION = "ownership/ownership :: section";

  private final AccessControl access;
  private final OwnershipStore store;
  private final Clock clock;

  OwnershipPages(AccessControl access, OwnershipStore store, Clock clock) {
    this.access = access;
    this.store = store;
    this.clock = clock;
  }

  /**
   * A refusal of the rules as the API words it: the message and each named line's problem.
   *
   * @param line the line number, or 0 when the problem is not one line's
   */
  record Problem(int line, String text) {}

  @GetMapping
  String section(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      Model model) {
    AppAccess app = access.app(user, appId);
    Stored stored = store.find(app.id());
    show(app, stored.rules(), stored, null, List.of(), model);
    return htmx ? SECTION : PAGE;
  }

  @PostMapping
  String save(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(defaultValue = "") String rules,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    AppAccess app = access.appAsOwner(user, appId);
    // Browsers send a textarea's line breaks as CRLF; store them as people wrote them.
    String text = rules.replace("\r\n", "\n");
    try {
      Stored saved = store.save(app, RulesText.validate(text), clock.instant(), user);
      show(app, saved.rules(), saved, "Saved.", List.of(), model);
    } catch (ApiException e) {
      if (e.code() != ErrorCode.INVALID_PAYLOAD && e.code() != ErrorCode.PAYLOAD_TOO_LARGE) {
        throw e;
      }
      if (!htmx) {
        response.setStatus(e.code().status().value());
      }
      List<Problem> problems = e.details().stream().map(OwnershipPages::problem).toList();
      show(app, text, store.find(app.id()), e.getMessage(), problems, model);
      model.addAttribute("refused", true);
    }
    return htmx ? SECTION : PAGE;
  }

  private static Problem problem(ErrorBody.Detail d) {
    String field = d.field();
    int line = field.startsWith("line ") ? Integer.parseInt(field.substring(5)) : 0;
    return new Problem(line, line > 0 ? "Line " + line + ": " + d.problem() : d.problem());
  }

  private static void show(
      AppAccess app,
      String text,
      Stored stored,
      String message,
      List<Problem> problems,
      Model model) {
    model.addAttribute("app", app);
    model.addAttribute("rules", text);
    model.addAttribute("updatedAt", stored.updatedAt());
    model.addAttribute("message", message);
    model.addAttribute("problems", problems);
  }
}
