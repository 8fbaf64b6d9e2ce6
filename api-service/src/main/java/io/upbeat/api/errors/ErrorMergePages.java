package io.upbeat.api.errors;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.errors.ErrorPayloads.ErrorGroup;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The dashboard's merge and unmerge: the errors list's "Merge selected" form and the merged group
 * page's "Unmerge" buttons, plain forms (CSRF field included) answered with a redirect to the
 * merged group's page. Same rules and code as the JSON API ({@link GroupMerges}).
 */
@Controller
@RequestMapping("/apps/{appId}/errors")
class ErrorMergePages {
  private final AccessControl access;
  private final ErrorGroups groups;
  private final GroupMerges merges;

  ErrorMergePages(AccessControl access, ErrorGroups groups, GroupMerges merges) {
    this.access = access;
    this.groups = groups;
    this.merges = merges;
  }

  /**
   * Merges the selected groups into the one with the most events (as Sentry does), then shows it.
   */
  @PostMapping("/merge")
  String merge(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(name = "group_ids", required = false) List<String> ids) {
    AppAccess app = access.app(user, appId);
    Set<UUID> selected = parse(ids);
    if (selected.size() < 2) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "Select at least two error groups to merge.",
          List.of(new Detail("group_ids", "must name at least two groups")));
    }
    List<ErrorGroup> found = new ArrayList<>();
    for (UUID id : selected) {
      found.add(groups.find(app.id(), id).orElseThrow(ErrorMergePages::notFound).group());
    }
    UUID target =
        found.stream()
            .max(Comparator.comparingLong(ErrorGroup::count))
            .map(ErrorGroup::id)
            .orElseThrow();
    selected.remove(target);
    UUID merged = merges.merge(app, target, selected, user).orElseThrow(ErrorMergePages::notFound);
    return "redirect:/apps/" + app.id() + "/errors/" + merged;
  }

  /** Splits the given members (none given: all) off the group, then shows it. */
  @PostMapping("/{groupId}/unmerge")
  String unmerge(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestParam(name = "group_ids", required = false) List<String> ids) {
    AppAccess app = access.app(user, appId);
    UUID group = id(groupId);
    Set<UUID> members = ids == null || ids.isEmpty() ? null : parse(ids);
    merges.unmerge(app, group, members, user).orElseThrow(ErrorMergePages::notFound);
    return "redirect:/apps/" + app.id() + "/errors/" + group;
  }

  /** The form's ids: at most {@link GroupMerges#MAX_IDS}, each a group id. */
  private static Set<UUID> parse(List<String> ids) {
    Set<UUID> parsed = new LinkedHashSet<>();
    if (ids == null) {
      return parsed;
    }
    if (ids.size() > GroupMerges.MAX_IDS) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "Select at most " + GroupMerges.MAX_IDS + " error groups at a time.",
          List.of(new Detail("group_ids", "must hold at most " + GroupMerges.MAX_IDS + " ids")));
    }
    for (String id : ids) {
      parsed.add(id(id));
    }
    return parsed;
  }

  private static UUID id(String id) {
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
