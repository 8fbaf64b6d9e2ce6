package io.upbeat.api.errors;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.errors.ErrorPayloads.ErrorGroup;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.support.web.ApiException;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Merging error groups and undoing it. Triage, so any member of the app's org may do it (as they
 * may change a status); groups of another app are as absent as ones that never existed.
 */
@RestController
@RequestMapping(path = "/api/v1/apps/{appId}/errors", produces = MediaType.APPLICATION_JSON_VALUE)
class ErrorMergesController {
  private final AccessControl access;
  private final ErrorGroups groups;
  private final GroupMerges merges;

  ErrorMergesController(AccessControl access, ErrorGroups groups, GroupMerges merges) {
    this.access = access;
    this.groups = groups;
    this.merges = merges;
  }

  /**
   * Merges {@code group_ids} into the group: answered with the merged group's item (counts added
   * up). When the group is itself merged into another, the others join that one.
   */
  @PostMapping(path = "/{groupId}/merge", consumes = MediaType.APPLICATION_JSON_VALUE)
  ErrorGroup merge(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestBody JsonNode body) {
    AppAccess app = access.app(user, appId);
    UUID id = parseId(groupId);
    MergeRequest request = MergeRequest.parse(body, id, true);
    UUID merged =
        merges
            .merge(app, id, request.groupIds(), user)
            .orElseThrow(ErrorMergesController::notFound);
    return groups.find(app.id(), merged).orElseThrow(ErrorMergesController::notFound).group();
  }

  /**
   * Splits {@code group_ids} (absent: every member) off the group, each back to its own counts:
   * answered with the group's item as it now stands.
   */
  @PostMapping(path = "/{groupId}/unmerge", consumes = MediaType.APPLICATION_JSON_VALUE)
  ErrorGroup unmerge(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @PathVariable String groupId,
      @RequestBody JsonNode body) {
    AppAccess app = access.app(user, appId);
    UUID id = parseId(groupId);
    MergeRequest request = MergeRequest.parse(body, id, false);
    merges.unmerge(app, id, request.groupIds(), user).orElseThrow(ErrorMergesController::notFound);
    return groups.find(app.id(), id).orElseThrow(ErrorMergesController::notFound).group();
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
