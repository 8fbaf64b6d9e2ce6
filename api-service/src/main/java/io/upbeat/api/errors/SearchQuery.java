package io.upbeat.api.errors;

import io.upbeat.api.accounts.Emails;
import io.upbeat.api.params.Problems;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed {@code query} of {@code GET .../errors}: free words (case-insensitive substrings of
 * type, message and culprit, all of which must match) and terms ({@code is:}, {@code assigned:},
 * {@code release:}, {@code first-release:}, {@code environment:}, {@code user:}, {@code
 * tag.<key>:}), all of which must hold too. A word or a term's value may be quoted ({@code
 * tag.region:"eu west"}). A word that looks like a term ({@code key:...}) but names none is refused
 * rather than searched for, so a misspelt term never silently matches nothing; such a word can be
 * quoted.
 *
 * @param words lower-case free words
 * @param statuses {@code is:} values
 * @param assignees normalized e-mails or {@link ListQuery#UNASSIGNED}
 * @param releases {@code release:} values: the group's first or last release, or one of its stored
 *     occurrences' release
 * @param firstReleases {@code first-release:} values
 * @param environments {@code environment:} values, matched against stored occurrences
 * @param users {@code user:} values, matched against stored occurrences' {@code context.user.id}
 * @param tags {@code tag.<key>:<value>} pairs, matched against stored occurrences' {@code
 *     context.tags}
 */
record SearchQuery(
    List<String> words,
    List<String> statuses,
    List<String> assignees,
    List<String> releases,
    List<String> firstReleases,
    List<String> environments,
    List<String> users,
    List<Tag> tags) {
  static final String FIELD = "query";

  /** Longer queries are refused: nobody types more, and each part costs a condition. */
  static final int MAX_LENGTH = 1000;

  /** At most this many words and terms in one query. */
  static final int MAX_PARTS = 20;

  /** The longest value a term takes (versions, environments and tags are shorter in storage). */
  static final int MAX_VALUE = 200;

  static final String TERMS =
      "is:, assigned:, release:, first-release:, environment:, user: or tag.<key>:";

  record Tag(String key, String value) {}

  static final SearchQuery EMPTY =
      new SearchQuery(
          List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

  boolean isEmpty() {
    return equals(EMPTY);
  }

  /**
   * Parses {@code query}, adding a problem (field {@code query}) naming the first bad part.
   *
   * @param caller the e-mail {@code assigned:me} stands for
   * @return the search, {@link #EMPTY} for a null or blank query, or null when a problem was added
   */
  static SearchQuery parse(String query, String caller, Problems problems) {
    if (query == null || query.isBlank()) {
      return EMPTY;
    }
    if (query.length() > MAX_LENGTH
        || Problems.hasControlCharacter(query)
        || hasLoneSurrogate(query)) {
      problems.add(
          FIELD, "must be at most " + MAX_LENGTH + " characters without control characters");
      return null;
    }
    Parts parts = new Parts(caller);
    int i = 0;
    int n = query.length();
    int count = 0;
    while (i < n) {
      if (Character.isWhitespace(query.charAt(i))) {
        i++;
        continue;
      }
      int keyEnd = i;
      while (keyEnd < n && isKeyChar(query.charAt(keyEnd))) {
        keyEnd++;
      }
      String key = null;
      if (keyEnd > i && keyEnd < n && query.charAt(keyEnd) == ':') {
        key = query.substring(i, keyEnd);
        i = keyEnd + 1;
      }
      String value;
      if (i < n && query.charAt(i) == '"') {
        int close = query.indexOf('"', i + 1);
        if (close < 0) {
          problems.add(FIELD, "has a quote that is not closed: " + query.substring(i));
          return null;
        }
        value = query.substring(i + 1, close);
        i = close + 1;
      } else {
        int end = i;
        while (end < n && !Character.isWhitespace(query.charAt(end))) {
          end++;
        }
        value = query.substring(i, end);
        i = end;
      }
      if (++count > MAX_PARTS) {
        problems.add(FIELD, "must have at most " + MAX_PARTS + " words and terms");
        return null;
      }
      String problem = key == null ? parts.word(value) : parts.term(key, value);
      if (problem != null) {
        problems.add(FIELD, problem);
        return null;
      }
    }
    return parts.build();
  }

  private static boolean isKeyChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '-'
        || c == '_';
  }

  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** The parts collected so far; each method answers a problem naming the part, or null. */
  private static final class Parts {
    private final String caller;
    private final List<String> words = new ArrayList<>();
    private final List<String> statuses = new ArrayList<>();
    private final List<String> assignees = new ArrayList<>();
    private final List<String> releases = new ArrayList<>();
    private final List<String> firstReleases = new ArrayList<>();
    private final List<String> environments = new ArrayList<>();
    private final List<String> users = new ArrayList<>();
    private final List<Tag> tags = new ArrayList<>();

    Parts(String caller) {
      this.caller = caller;
    }

    String word(String value) {
      if (!value.isEmpty()) {
        words.add(value.toLowerCase(Locale.ROOT));
      }
      return null;
    }

    String term(String key, String value) {
      String term = key + ":" + value;
      if (key.startsWith("tag.")) {
        String tag = key.substring("tag.".length());
        if (tag.isEmpty() || tag.length() > MAX_VALUE) {
          return "term " + term + ": the tag name must be 1 to " + MAX_VALUE + " characters";
        }
        return value(term, value, v -> tags.add(new Tag(tag, v)));
      }
      return switch (key) {
        case "is" -> {
          if (!ListQuery.STATUSES.contains(value)) {
            yield "term " + term + ": is: must be unresolved, resolved or ignored";
          }
          statuses.add(value);
          yield null;
        }
        case "assigned" -> {
          if (value.equals("me") && caller != null) {
            assignees.add(Emails.normalize(caller));
          } else if (value.equals(ListQuery.UNASSIGNED)) {
            assignees.add(ListQuery.UNASSIGNED);
          } else if (Emails.isValid(value)) {
            assignees.add(Emails.normalize(value));
          } else {
            yield "term " + term + ": assigned: must be me, none or an e-mail address";
          }
          yield null;
        }
        case "release" -> value(term, value, releases::add);
        case "first-release" -> value(term, value, firstReleases::add);
        case "environment" -> value(term, value, environments::add);
        case "user" -> value(term, value, users::add);
        default -> "unknown term " + term + " (terms are " + TERMS + "; quote a word to search it)";
      };
    }

    private static String value(
        String term, String value, java.util.function.Consumer<String> add) {
      if (value.isEmpty() || value.length() > MAX_VALUE) {
        return "term " + term + ": the value must be 1 to " + MAX_VALUE + " characters";
      }
      add.accept(value);
      return null;
    }

    SearchQuery build() {
      return new SearchQuery(
          List.copyOf(words),
          List.copyOf(statuses),
          List.copyOf(assignees),
          List.copyOf(releases),
          List.copyOf(firstReleases),
          List.copyOf(environments),
          List.copyOf(users),
          List.copyOf(tags));
    }
  }
}
