package io.upbeat.api.notify;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.notify.WebhooksController.CreateWebhook;
import io.upbeat.api.notify.WebhooksController.CreatedWebhook;
import io.upbeat.api.notify.WebhooksController.Delivery;
import io.upbeat.api.notify.WebhooksController.Webhook;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
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
 * The webhooks section of an app's settings: the list with each webhook's delivery log, adding one
 * (its secret shown this once) and deleting. htmx requests get the section alone (the settings page
 * loads it, forms swap it), others the section on a page of its own; a refused form comes back with
 * its messages (400 on that page, 200 for htmx so that the section is swapped in).
 */
@Controller
@RequestMapping("/apps/{appId}/settings/webhooks")
class WebhookPages {
  private static final String PAGE = "notify/webhooks";
  private static final String SECTION = "notify/webhooks :: section";

  private final AccessControl access;
  private final WebhookService webhooks;
  private final Validator validator;

  WebhookPages(AccessControl access, WebhookService webhooks, Validator validator) {
    this.access = access;
    this.webhooks = webhooks;
    this.validator = validator;
  }

  /** A webhook with its newest deliveries. */
  record Hook(Webhook webhook, List<Delivery> deliveries) {}

  /** What the add form shows: the values to fill in again and the problems, if refused. */
  record AddForm(String url, List<String> events, List<String> problems) {
    static final AddForm EMPTY = new AddForm("", WebhooksController.EVENTS, List.of());
  }

  @GetMapping
  String section(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      Model model) {
    show(access.app(user, appId), AddForm.EMPTY, null, model);
    return htmx ? SECTION : PAGE;
  }

  @PostMapping
  String add(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(defaultValue = "") String url,
      @RequestParam(name = "events", required = false) List<String> events,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      HttpServletResponse response,
      Model model) {
    AppAccess app = access.appAsOwner(user, appId);
    List<String> chosen = events == null ? List.of() : events;
    List<String> problems = new ArrayList<>();
    for (ConstraintViolation<CreateWebhook> v :
        validator.validate(new CreateWebhook(url.trim(), chosen))) {
      problems.add(sentence(v.getPropertyPath().toString(), v.getMessage()));
    }
    CreatedWebhook created = null;
    if (problems.isEmpty()) {
      try {
        created = webhooks.create(app, url.trim(), chosen, user);
      } catch (ApiException e) {
        if (e.code() != ErrorCode.INVALID_PAYLOAD) {
          throw e;
        }
        for (ErrorBody.Detail d : e.details()) {
          problems.add(sentence(d.field(), d.problem()));
        }
        if (problems.isEmpty()) {
          problems.add(e.getMessage());
        }
      }
    }
    if (created == null) {
      if (!htmx) {
        response.setStatus(HttpStatus.BAD_REQUEST.value());
      }
      show(app, new AddForm(url, chosen, problems), null, model);
    } else {
      if (!htmx) {
        response.setStatus(HttpStatus.CREATED.value());
      }
      show(app, AddForm.EMPTY, created, model);
    }
    return htmx ? SECTION : PAGE;
  }

  @PostMapping("/{webhookId}/delete")
  String delete(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String webhookId,
      @RequestHeader(name = "HX-Request", defaultValue = "false") boolean htmx,
      Model model) {
    AppAccess app = access.appAsOwner(user, appId);
    webhooks.delete(app, webhookId, user);
    show(app, AddForm.EMPTY, null, model);
    model.addAttribute("deleted", true);
    return htmx ? SECTION : PAGE;
  }

  /** "The URL must be an http or https URL." from a field path and its problem. */
  private static String sentence(String field, String problem) {
    return (field.startsWith("url") ? "The URL " : "The events ") + problem + ".";
  }

  private void show(AppAccess app, AddForm form, CreatedWebhook created, Model model) {
    model.addAttribute("app", app);
    model.addAttribute(
        "hooks",
        webhooks.list(app.id()).stream()
            .map(w -> new Hook(w, webhooks.deliveries(w.id())))
            .toList());
    model.addAttribute("events", WebhooksController.EVENTS);
    model.addAttribute("form", form);
    model.addAttribute("created", created);
  }
}
