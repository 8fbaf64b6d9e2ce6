package io.upbeat.agent.release;

import io.upbeat.agent.release.Commit.FileChange;
import io.upbeat.agent.release.Commit.Range;
import java.util.List;

/** Writes the release payload the API's {@code POST .../releases} takes. */
final class ReleaseJson {
  private ReleaseJson() {}

  /** What to post; null fields are left out. */
  record Release(
      String version,
      String environment,
      String deployer,
      String ref,
      String headSha,
      List<Commit> commits) {
    Release {
      commits = List.copyOf(commits);
    }
  }

  static String write(Release r) {
    StringBuilder b = new StringBuilder(256 + r.commits().size() * 256).append('{');
    field(b, "version", r.version());
    field(b, "environment", r.environment());
    field(b, "deployer", r.deployer());
    field(b, "ref", r.ref());
    field(b, "head_sha", r.headSha());
    b.append(",\"commits\":[");
    for (int i = 0; i < r.commits().size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      commit(b, r.commits().get(i));
    }
    return b.append("]}").toString();
  }

  private static void commit(StringBuilder b, Commit c) {
    b.append('{');
    field(b, "sha", c.sha());
    field(b, "author_name", c.authorName());
    field(b, "author_email", c.authorEmail());
    field(b, "timestamp", c.timestamp() == null ? null : c.timestamp().toString());
    field(b, "message", c.message());
    b.append(",\"files\":[");
    for (int i = 0; i < c.files().size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      FileChange f = c.files().get(i);
      b.append('{');
      field(b, "path", f.path());
      field(b, "change", f.change());
      if (f.lines() != null) {
        b.append(",\"lines\":[");
        for (int k = 0; k < f.lines().size(); k++) {
          Range range = f.lines().get(k);
          b.append(k > 0 ? ",[" : "[").append(range.start()).append(',').append(range.end());
          b.append(']');
        }
        b.append(']');
      }
      b.append('}');
    }
    b.append("]}");
  }

  /** Appends {@code "name":"value"}, with a comma unless it is the object's first field. */
  private static void field(StringBuilder b, String name, String value) {
    if (value == null) {
      return;
    }
    if (b.charAt(b.length() - 1) != '{') {
      b.append(',');
    }
    b.append(Json.quote(name)).append(':').append(Json.quote(value));
  }
}
