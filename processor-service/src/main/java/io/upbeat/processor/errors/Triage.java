package io.upbeat.processor.errors;

import io.upbeat.alerting.TriageAlerts;
import io.upbeat.assignment.Assigner;
import io.upbeat.assignment.AssignmentStore;
import io.upbeat.assignment.Frame;
import io.upbeat.assignment.OwnershipRules;
import io.upbeat.assignment.Release;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.storage.notify.NotificationKind;
import io.upbeat.storage.notify.NotificationOutbox;
import io.upbeat.storage.notify.NotificationPayload;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a group when it appears or regresses, inside the errors pipeline's flush
 * transaction: find its suspect commit and assignee (never over a manual assignment), reopen a
 * resolved group when a newer release brings it back, and write the notifications to the outbox in
 * the same transaction, so none is lost and none is sent for a change that rolled back.
 */
final class Triage {
  private static final Logger log = LoggerFactory.getLogger(Triage.class);

  private final Assigner assigner = new Assigner();

  /**
   * The group as it stands after the flush's upsert.
   *
   * @param mergedInto the group it was merged into, whose triage it shares; null if none
   * @param hasMembers whether other groups were merged into it
   */
  record GroupState(
      UUID id,
      boolean created,
      String status,
      String assigneeReason,
      Instant resolvedAt,
      String resolvedInRelease,
      String resolvedEnvironment,
      IgnoreUntil ignore,
      UUID mergedInto,
      boolean hasMembers) {}

  /**
   * An ignored group's condition for coming back, as a person set it.
   *
   * @param count the group's count after the flush's upsert
   * @param untilCount reopen when the count reaches this; null if not
   * @param untilAt reopen with an event after this time; null if not
   * @param untilRelease reopen with an event of a release deployed after {@code ignoredAt}
   * @param ignoredAt when it was ignored with a condition
   */
  record IgnoreUntil(
      long count, Long untilCount, Instant untilAt, boolean untilRelease, Instant ignoredAt) {}

  /** Triage of a group that this flush created. */
  void created(Connection c, UUID app, GroupState group, GroupDelta d) throws SQLException {
    Optional<Assigner.Assignment> assignment = assign(c, app, group, d);
    notify(c, app, group.id(), NotificationKind.NEW_ERROR, d, assignment);
    if (assignment.isPresent()) {
      notify(c, app, group.id(), NotificationKind.ASSIGNED, d, assignment);
    }
  }

  /**
   * Reopens a resolved group if the flush holds an event of a release deployed after the one it was
   * resolved in (or, without release information, an event after it was resolved).
   *
   * @return whether it regressed
   */
  boolean maybeRegressed(Connection c, UUID app, GroupState group, GroupDelta d)
      throws SQLException {
    if (!"resolved".equals(group.status()) || !regresses(c, app, group, d)) {
      return false;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE error_groups SET status = 'unresolved', regressed = true, resolved_at = NULL,
              resolved_in_release = NULL, resolved_environment = NULL
            WHERE id = ?
            """)) {
      ps.setObject(1, group.id());
      ps.executeUpdate();
    }
    Optional<Assigner.Assignment> assignment = assign(c, app, group, d);
    notify(c, app, group.id(), NotificationKind.REGRESSION, d, assignment);
    return true;
  }

  /**
   * Reopens an ignored group whose condition the flush meets: its count reached the threshold, an
   * event came after the time, or an event came from a release deployed after it was ignored. The
   * group comes back as unresolved (not {@code regressed}: nothing resolved was undone) with a
   * {@code regression} notification, the news being the same: a group set aside is back.
   *
   * @return whether it was reopened
   */
  boolean maybeReopenIgnored(Connection c, UUID app, GroupState group, GroupDelta d)
      throws SQLException {
    IgnoreUntil until = group.ignore();
    if (!"ignored".equals(group.status()) || until == null || !conditionMet(c, app, until, d)) {
      return false;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            UPDATE error_groups SET status = 'unresolved', ignore_until_count = NULL,
              ignore_until_at = NULL, ignore_until_release = false, ignored_at = NULL
            WHERE id = ?
            """)) {
      ps.setObject(1, group.id());
      ps.executeUpdate();
    }
    Optional<Assigner.Assignment> assignment = assign(c, app, group, d);
    notify(c, app, group.id(), NotificationKind.REGRESSION, d, assignment);
    return true;
  }

  private static boolean conditionMet(Connection c, UUID app, IgnoreUntil until, GroupDelta d)
      throws SQLException {
    if (until.untilCount() != null && until.count() >= until.untilCount()) {
      return true;
    }
    if (until.untilAt() != null && d.lastSeen.isAfter(until.untilAt())) {
      return true;
    }
    if (until.untilRelease() && until.ignoredAt() != null) {
      for (List<String> key : d.latestByRelease.keySet()) {
        String release = key.get(1);
        Instant deployed = release == null ? null : deployedAt(c, app, key.get(0), release);
        if (deployed != null && deployed.isAfter(until.ignoredAt())) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean regresses(Connection c, UUID app, GroupState group, GroupDelta d)
      throws SQLException {
    Instant resolvedDeploy =
        group.resolvedInRelease() == null
            ? null
            : deployedAt(c, app, group.resolvedEnvironment(), group.resolvedInRelease());
    for (Map.Entry<List<String>, Instant> e : d.latestByRelease.entrySet()) {
      String environment = e.getKey().get(0);
      String release = e.getKey().get(1);
      Instant eventRelease = release == null ? null : deployedAt(c, app, environment, release);
      if (resolvedDeploy != null && eventRelease != null) {
        if (eventRelease.isAfter(resolvedDeploy)) {
          return true; // a newer release brought it back
        }
      } else if (release != null && release.equals(group.resolvedInRelease())) {
        // the very release it was resolved in: never a regression, however late it arrives
      } else if (group.resolvedAt() != null && e.getValue().isAfter(group.resolvedAt())) {
        return true; // no release to compare: an event after the resolution
      }
    }
    return false;
  }

  private static Instant deployedAt(Connection c, UUID app, String environment, String version)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT deployed_at FROM releases WHERE app_id = ? AND version = ?
            ORDER BY (environment = ?) DESC, deployed_at DESC LIMIT 1
            """)) {
      ps.setObject(1, app);
      ps.setString(2, version);
      ps.setString(3, environment);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getTimestamp(1).toInstant() : null;
      }
    }
  }

  /** Finds and stores the suspect and assignee, unless a person assigned the group. */
  private Optional<Assigner.Assignment> assign(
      Connection c, UUID app, GroupState group, GroupDelta d) throws SQLException {
    if ("manual".equals(group.assigneeReason()) || d.lastException == null) {
      return Optional.empty();
    }
    List<Release> releases = AssignmentStore.candidates(c, app, d.lastEnvironment, d.lastRelease);
    OwnershipRules rules = AssignmentStore.rules(c, app);
    Optional<Assigner.Assignment> assignment =
        assigner.assign(frames(d.lastException), releases, rules);
    if (assignment.isEmpty()) {
      return assignment;
    }
    Assigner.Assignment a = assignment.get();
    AssignmentStore.save(c, group.id(), a);
    log.debug("Assigned group {} to {}: {}", group.id(), a.email(), a.reason());
    return assignment;
  }

  /** The chain's frames, root cause first, each exception's innermost frame first. */
  static List<Frame> frames(ExceptionInfo top) {
    List<ExceptionInfo> chain = new ArrayList<>();
    for (ExceptionInfo e = top; e != null && chain.size() < 20; e = e.cause()) {
      chain.add(e);
    }
    Collections.reverse(chain);
    List<Frame> frames = new ArrayList<>();
    for (ExceptionInfo e : chain) {
      for (StackFrame f : e.stacktrace()) {
        frames.add(
            new Frame(
                f.module(),
                f.function(),
                f.filename(),
                f.path(),
                f.lineno(),
                Boolean.TRUE.equals(f.inApp())));
      }
    }
    return frames;
  }

  private static void notify(
      Connection c,
      UUID app,
      UUID group,
      NotificationKind kind,
      GroupDelta d,
      Optional<Assigner.Assignment> assignment)
      throws SQLException {
    if (kind != NotificationKind.ASSIGNED
        && !TriageAlerts.fire(
            c,
            app,
            kind.code(),
            new TriageAlerts.Occurrence(
                group,
                d.lastSeen,
                d.lastEnvironment,
                d.lastRelease,
                assignment.map(Assigner.Assignment::email).orElse(null)))) {
      return; // no default rule of this kind (the app's rules notified on their own, if any)
    }
    NotificationOutbox.insert(
        c,
        app,
        kind,
        new NotificationPayload(
            group,
            d.type,
            d.message,
            d.culprit,
            d.lastRelease,
            d.lastEnvironment,
            assignment.map(Assigner.Assignment::email).orElse(null),
            assignment.map(Assigner.Assignment::reason).orElse(null)),
        null);
  }
}
