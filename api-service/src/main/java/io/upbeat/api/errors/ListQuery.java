package io.upbeat.api.errors;

import io.upbeat.api.accounts.Emails;
import io.upbeat.api.params.Problems;
import java.time.Instant;
import java.util.Set;

/**
 * A validated {@code GET .../errors} query.
 *
 * @param status one of the three statuses, or null for all
 * @param from occurrences at or after this instant; null for no bound
 * @param to occurrences before this instant; null for no bound
 * @param release groups first seen in this release; null for any
 * @param assignee a normalized e-mail, {@link #UNASSIGNED}, or null for anyone
 * @param environment groups with a stored occurrence in this environment; null for any
 * @param search the parsed {@code query}, {@link SearchQuery#EMPTY} when there is none
 * @param cursor where the previous page ended; null for the first page
 */
record ListQuery(
    String status,
    Sort sort,
    Instant from,
    Instant to,
    String release,
    String assignee,
    String environment,
    SearchQuery search,
    int limit,
    Cursor cursor) {
  static final String UNASSIGNED = "none";
  static final Set<String> STATUSES = Set.of("unresolved", "resolved", "ignored");
  static final int DEFAULT_LIMIT = 25;
  static final int MAX_LIMIT = 100;

  /**
   * When {@code query} holds an {@code is:} term and no {@code status} is given, the default status
   * (unresolved) does not apply: the term decides.
   *
   * @param caller the e-mail of the person asking, which {@code assigned:me} stands for
   * @throws io.upbeat.support.web.ApiException 400 naming every bad parameter
   */
  static ListQuery parse(
      String status,
      String sort,
      String from,
      String to,
      String release,
      String assignee,
      String environment,
      String query,
      String caller,
      String limit,
      String cursor) {
    Problems problems = new Problems();
    SearchQuery search = SearchQuery.parse(query, caller, problems);
    boolean termDecides = search != null && !search.statuses().isEmpty();
    String s = status == null ? (termDecides ? "all" : "unresolved") : status;
    if (!s.equals("all") && !STATUSES.contains(s)) {
      problems.add("status", "must be unresolved, resolved, ignored or all");
    }
    Sort order = Sort.LAST_SEEN;
    if (sort != null) {
      order = Sort.of(sort).orElse(null);
      if (order == null) {
        problems.add("sort", "must be last_seen, count or first_seen");
      }
    }
    Instant start = problems.timestamp("from", from);
    Instant end = problems.timestamp("to", to);
    if (start != null && end != null && !start.isBefore(end)) {
      problems.add("to", "must be after from");
    }
    String r = problems.text("release", release, 1000);
    String who = null;
    if (assignee != null) {
      if (assignee.equals(UNASSIGNED)) {
        who = UNASSIGNED;
      } else if (Emails.isValid(assignee) && !Problems.hasControlCharacter(assignee)) {
        who = Emails.normalize(assignee);
      } else {
        problems.add("assignee", "must be an e-mail address or none");
      }
    }
    String env = problems.text("environment", environment, 100);
    int n = problems.integer("limit", limit, 1, MAX_LIMIT, DEFAULT_LIMIT);
    Cursor after = null;
    if (cursor != null && order != null) {
      after = Cursor.decode(cursor, order, problems);
    }
    problems.throwIfAny();
    return new ListQuery(
        s.equals("all") ? null : s, order, start, end, r, who, env, search, n, after);
  }
}
