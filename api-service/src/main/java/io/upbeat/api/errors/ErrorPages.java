package io.upbeat.api.errors;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.accounts.Emails;
import io.upbeat.api.environments.Environments;
import io.upbeat.api.errors.ErrorGroups.Found;
import io.upbeat.api.errors.ErrorPayloads.ErrorGroup;
import io.upbeat.api.errors.ErrorPayloads.HourlyCount;
import io.upbeat.api.errors.ErrorPayloads.Occurrence;
import io.upbeat.api.orgs.OrgMembers;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.events.ErrorContext;
import io.upbeat.support.web.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The errors pages: the list (by status, paged with the API's cursor) and one group's detail, whose
 * triage part (status, assignee and their buttons) htmx changes with {@code PATCH} and swaps for
 * the fragment returned. Same rules as the JSON API: the app is resolved through {@link
 * AccessControl} first, a group of another app is as absent as one that never existed, and changes
 * go through {@link ErrorGroups#update} (manual assignment, resolution record, notification).
 */
@Controller
@RequestMapping("/apps/{appId}/errors")
class ErrorPages {
  static final int OCCURRENCES = 20;

  private final AccessControl access;
  private final ErrorGroups groups;
  private final OrgMembers members;
  private final Environments environments;
  private final ErrorBreakdowns breakdowns;
  private final Clock clock;

  ErrorPages(
      AccessControl access,
      ErrorGroups groups,
      OrgMembers members,
      Environments environments,
      ErrorBreakdowns breakdowns,
      Clock clock) {
    this.access = access;
    this.breakdowns = breakdowns;
    this.environments = environments;
    this.groups = groups;
    this.members = members;
    this.clock = clock;
  }

  /** The detail's histogram: the last 24 hours or 7 days, ending with the current hour. */
  enum HourlyRange {
    DAY("24h", "24 h", Duration.ofHours(24)),
    WEEK("7d", "7 d", Duration.ofDays(7));

    private final String param;
    private final String title;
    private final Duration length;

    HourlyRange(String param, String title, Duration length) {
      this.param = param;
      this.title = title;
      this.length = length;
    }

    static HourlyRange parse(String param) {
      return WEEK.param.equals(param) ? WEEK : DAY;
    }

    public String param() {
      return param;
    }

    public String title() {
      return title;
    }
  }

  @GetMapping
  String list(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String query,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String cursor,
      Model model) {
    AppAccess app = access.app(user, appId);
    String q = query == null || query.isBlank() ? null : query;
    String env = environment == null || environment.isBlank() ? null : environment;
    ListQuery list =
        ListQuery.parse(status, null, null, null, null, null, env, q, user.email(), null, cursor);
    model.addAttribute("app", app);
    model.addAttribute("query", q);
    model.addAttribute("environment", env);
    model.addAttribute("environments", environments.list(app.id()));
    model.addAttribute("status", list.status() == null ? "all" : list.status());
    model.addAttribute("statuses", List.of("unresolved", "resolved", "ignored", "all"));
    model.addAttribute("page", groups.list(app.id(), list));
    model.addAttribute("paged", cursor != null);
    return "errors/list";
  }

  @GetMapping("/{groupId}")
  String detail(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestParam(required = false) String range,
      Model model) {
    AppAccess app = access.app(user, appId);
    Found found = groups.find(app.id(), parseId(groupId)).orElseThrow(ErrorPages::notFound);
    UUID id = found.group().id();
    HourlyRange hours = HourlyRange.parse(range);
    Instant to = clock.instant().truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
    Instant from = to.minus(hours.length);
    List<HourlyCount> hourly = groups.hourly(id, from, to);
    List<Occurrence> occurrences = groups.occurrences(id, null, OCCURRENCES);
    Occurrence latest = occurrences.isEmpty() ? null : occurrences.getFirst();
    model.addAttribute("fingerprint", found.fingerprint());
    model.addAttribute("suspect", found.suspect());
    model.addAttribute(
        "suspectFiles",
        found.suspect() == null
            ? List.of()
            : groups.commitFiles(app.id(), found.suspect().sha(), found.suspect().release()));
    model.addAttribute("range", hours);
    model.addAttribute("ranges", HourlyRange.values());
    model.addAttribute("from", from);
    model.addAttribute("to", to);
    model.addAttribute("busyHours", hourly.stream().filter(h -> h.count() > 0).toList());
    model.addAttribute("hourlyTotal", hourly.stream().mapToLong(HourlyCount::count).sum());
    model.addAttribute("latest", latest);
    model.addAttribute("chain", latest == null ? List.of() : StackTraces.chain(latest.exception()));
    model.addAttribute("occurrences", occurrences);
    model.addAttribute(
        "context", latest == null ? ErrorContext.EMPTY : ErrorContext.parse(latest.context()));
    model.addAttribute("breakdown", breakdowns.of(app.id(), id, null, from, to));
    triageModel(app, found.group(), model);
    return "errors/detail";
  }

  /**
   * A person's change from the page's buttons and assign form ({@code status}, {@code
   * assignee_email}; empty e-mail unassigns), answered with the re-rendered triage fragment.
   */
  @PatchMapping("/{groupId}")
  String change(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestParam(required = false) String status,
      @RequestParam(name = "assignee_email", required = false) String assigneeEmail,
      Model model) {
    AppAccess app = access.app(user, appId);
    UUID id = parseId(groupId);
    ErrorUpdate change = ErrorUpdate.fromForm(status, assigneeEmail);
    ErrorGroup updated =
        groups.update(app.id(), id, change, user.email()).orElseThrow(ErrorPages::notFound);
    triageModel(app, updated, model);
    return "errors/detail :: triage";
  }

  /** The group, and whom it may be assigned to: the org's people, and whoever has it now. */
  private void triageModel(AppAccess app, ErrorGroup group, Model model) {
    Set<String> assignable = new LinkedHashSet<>();
    for (OrgMembers.Member m : members.list(app.orgId())) {
      assignable.add(Emails.normalize(m.email()));
    }
    String current = group.assignee() == null ? null : Emails.normalize(group.assignee().email());
    if (current != null) {
      assignable.add(current);
    }
    model.addAttribute("app", app);
    model.addAttribute("group", group);
    model.addAttribute("assignable", assignable);
    model.addAttribute("currentAssignee", current);
  }

  private static UUID parseId(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw notFound();
    }
  }

  private static ApiException notFound() {
    return ApiException.notFound("The error group");
  }
}
