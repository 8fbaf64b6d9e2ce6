package io.upbeat.api.errors;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What other features' pages show of an app's errors (the overview's top errors), so they need not
 * know how groups are stored. The caller has resolved the app through access control.
 */
@Component
public class ErrorDigest {
  private final ErrorGroups groups;

  ErrorDigest(ErrorGroups groups) {
    this.groups = groups;
  }

  /** One group as a summary row shows it; {@code assigneeEmail} is null when nobody has it. */
  public record TopError(
      UUID id,
      String type,
      String message,
      String culprit,
      long count,
      Instant lastSeen,
      String assigneeEmail) {}

  /**
   * The unresolved groups that occurred in [from, to), most occurrences (all time) first: the
   * errors list's own query with {@code status=unresolved&sort=count&from=&to=&environment=}.
   *
   * @param environment only groups with a stored occurrence in it; null for all
   */
  public List<TopError> topUnresolved(
      UUID app, Instant from, Instant to, String environment, int limit) {
    ListQuery query =
        new ListQuery(
            "unresolved",
            Sort.COUNT,
            from,
            to,
            null,
            null,
            environment,
            SearchQuery.EMPTY,
            limit,
            null);
    return groups.list(app, query).items().stream()
        .map(
            g ->
                new TopError(
                    g.id(),
                    g.type(),
                    g.message(),
                    g.culprit(),
                    g.count(),
                    g.lastSeen(),
                    g.assignee() == null ? null : g.assignee().email()))
        .toList();
  }
}
