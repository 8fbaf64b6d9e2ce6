package io.upbeat.api.errors;

import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A validated {@code POST .../errors/{group_id}/merge} or {@code .../unmerge} body: {@code
 * {"group_ids": [...]}}, at most {@link GroupMerges#MAX_IDS} distinct group ids, never the group
 * itself.
 *
 * @param groupIds the ids in the order given, each once; null when an unmerge names none (all)
 */
record MergeRequest(Set<UUID> groupIds) {
  /**
   * @param group the group of the path, which the list may not name
   * @param required whether {@code group_ids} must be given (merge) or may be absent (unmerge: all)
   * @throws ApiException 400 naming each bad field
   */
  static MergeRequest parse(JsonNode body, UUID group, boolean required) {
    if (body == null || !body.isObject()) {
      throw invalid(
          "The request body must be a JSON object.", new Detail("$", "must be an object"));
    }
    JsonNode ids = body.get("group_ids");
    if (ids == null || ids.isNull()) {
      if (required) {
        throw invalid("Name the groups to merge.", new Detail("group_ids", "is required"));
      }
      return new MergeRequest(null);
    }
    if (!ids.isArray()) {
      throw invalid(
          "group_ids must be a list.", new Detail("group_ids", "must be an array of ids"));
    }
    if (ids.isEmpty()) {
      throw invalid("Name at least one group.", new Detail("group_ids", "must not be empty"));
    }
    if (ids.size() > GroupMerges.MAX_IDS) {
      throw invalid(
          "At most " + GroupMerges.MAX_IDS + " groups at a time.",
          new Detail("group_ids", "must hold at most " + GroupMerges.MAX_IDS + " ids"));
    }
    List<Detail> problems = new ArrayList<>();
    Set<UUID> parsed = new LinkedHashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      JsonNode id = ids.get(i);
      UUID uuid = id.isString() ? uuid(id.stringValue()) : null;
      if (uuid == null) {
        problems.add(new Detail("group_ids[" + i + "]", "must be an error group id"));
      } else if (uuid.equals(group)) {
        problems.add(new Detail("group_ids[" + i + "]", "must not be the group itself"));
      } else {
        parsed.add(uuid);
      }
    }
    if (!problems.isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_PAYLOAD, "The request is invalid.", problems);
    }
    return new MergeRequest(parsed);
  }

  /** The id in its canonical form only, so every spelling of one group is one group. */
  private static UUID uuid(String s) {
    if (s.length() != 36) {
      return null;
    }
    try {
      UUID id = UUID.fromString(s);
      return id.toString().equalsIgnoreCase(s) ? id : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static ApiException invalid(String message, Detail detail) {
    return new ApiException(ErrorCode.INVALID_PAYLOAD, message, List.of(detail));
  }
}
