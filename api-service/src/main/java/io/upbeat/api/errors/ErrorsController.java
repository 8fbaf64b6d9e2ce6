package io.upbeat.api.errors;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.errors.ErrorGroups.Found;
import io.upbeat.api.errors.ErrorPayloads.ErrorDetail;
import io.upbeat.api.errors.ErrorPayloads.ErrorGroup;
import io.upbeat.api.errors.ErrorPayloads.ErrorPage;
import io.upbeat.api.errors.ErrorPayloads.Occurrence;
import io.upbeat.api.errors.ErrorPayloads.Occurrences;
import io.upbeat.api.params.Problems;
import io.upbeat.api.params.Times;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * An app's error groups: list, detail, stored occurrences, and a person's status and assignee
 * changes. Every endpoint resolves the app through {@link AccessControl} before it reads anything
 * else (parameters included), and a group of another app is as absent as one that never existed.
 */
@RestController
@RequestMapping(path = "/api/v1/apps/{appId}/errors", produces = MediaType.APPLICATION_JSON_VALUE)
class ErrorsController {
  static final int DEFAULT_OCCURRENCES = 20;
  static final int MAX_OCCURRENCES = 100;

  /** The detail's default histogram: the current hour and the 23 before it. */
  static final Duration DEFAULT_HOURLY_WINDOW = Duration.ofHours(24);

  /** At most this many hourly points in one detail response (90 days). */
  static final Duration MAX_HOURLY_WINDOW = Duration.ofDays(90);

  private final AccessControl access;
  private final ErrorGroups groups;
  private final ErrorBreakdowns breakdowns;
  private final Clock clock;

  ErrorsController(
      AccessControl access, ErrorGroups groups, ErrorBreakdowns breakdowns, Clock clock) {
    this.access = access;
    this.groups = groups;
    this.breakdowns = breakdowns;
    this.clock = clock;
  }

  @GetMapping
  ErrorPage list(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String sort,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String release,
      @RequestParam(required = false) String assignee,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String query,
      @RequestParam(required = false) String limit,
      @RequestParam(required = false) String cursor) {
    UUID app = access.app(user, appId).id();
    return groups.list(
        app,
        ListQuery.parse(
            status,
            sort,
            from,
            to,
            release,
            assignee,
            environment,
            query,
            user.email(),
            limit,
            cursor));
  }

  @GetMapping("/{groupId}")
  ErrorDetail get(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String environment) {
    UUID app = access.app(user, appId).id();
    Found found = groups.find(app, parseId(groupId)).orElseThrow(ErrorsController::notFound);
    String env = environment(environment);
    Instant[] window = hourlyWindow(from, to);
    UUID id = found.group().id();
    List<Occurrence> latest = groups.occurrences(id, env, 1);
    return ErrorDetail.of(
        found.group(),
        found.fingerprint(),
        groups.hourly(id, window[0], window[1]),
        latest.isEmpty() ? null : latest.getFirst(),
        found.suspect(),
        breakdowns.of(app, id, env, window[0], window[1]));
  }

  @GetMapping("/{groupId}/occurrences")
  Occurrences occurrences(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String limit) {
    UUID app = access.app(user, appId).id();
    Found found = groups.find(app, parseId(groupId)).orElseThrow(ErrorsController::notFound);
    Problems problems = new Problems();
    String env = problems.text("environment", environment, 100);
    int n = problems.integer("limit", limit, 1, MAX_OCCURRENCES, DEFAULT_OCCURRENCES);
    problems.throwIfAny();
    return new Occurrences(groups.occurrences(found.group().id(), env, n));
  }

  /**
   * Sets the status, the assignee, or both. An assignment or unassignment made here is marked
   * {@code manual}, which automatic assignment never overrides.
   */
  @PatchMapping(path = "/{groupId}", consumes = MediaType.APPLICATION_JSON_VALUE)
  ErrorGroup update(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestBody JsonNode body) {
    UUID app = access.app(user, appId).id();
    UUID id = parseId(groupId);
    ErrorUpdate change = ErrorUpdate.parse(body);
    return groups.update(app, id, change, user.email()).orElseThrow(ErrorsController::notFound);
  }

  /** The optional {@code environment} parameter, validated. */
  private static String environment(String environment) {
    Problems problems = new Problems();
    String env = problems.text("environment", environment, 100);
    problems.throwIfAny();
    return env;
  }

  /** [from, to) of the detail's hourly counts, validated. */
  private Instant[] hourlyWindow(String from, String to) {
    Problems problems = new Problems();
    Instant start = problems.timestamp("from", from);
    Instant end = problems.timestamp("to", to);
    problems.throwIfAny();
    if (end == null) {
      end =
          start == null
              ? clock.instant().truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS)
              : start.plus(DEFAULT_HOURLY_WINDOW);
    }
    if (start == null) {
      start = end.minus(DEFAULT_HOURLY_WINDOW);
    }
    if (start.isBefore(Times.EARLIEST) || end.isAfter(Times.LATEST)) {
      problems.add(from == null ? "to" : "from", "must leave 24 hours within the years 1 to 9999");
    } else if (!start.isBefore(end)) {
      problems.add("to", "must be after from");
    } else if (Duration.between(start, end).compareTo(MAX_HOURLY_WINDOW) > 0) {
      problems.add("to", "must be at most 90 days after from");
    }
    problems.throwIfAny();
    return new Instant[] {start, end};
  }

  /** A group id, or the 404 that a missing one gets: ids that do not parse reveal nothing. */
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
