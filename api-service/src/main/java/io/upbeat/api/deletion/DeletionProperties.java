package io.upbeat.api.deletion;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Deleting apps, orgs and users ({@code upbeat.deletion.*}).
 *
 * @param batchSize rows deleted per statement, so purging a big app never holds many locks long
 * @param pollInterval how often each instance looks for purge work
 * @param lease how long a claimed job is reserved for its worker without progress; a worker that
 *     dies loses it after this and another resumes the job
 * @param sweepDelay when, after the deletion, the final sweep runs: longer than processors take to
 *     learn of a deletion (their refresh interval, 5 s by default) plus a flush, so whatever they
 *     wrote for the app meanwhile is purged too
 * @param orgWait how often an org's job checks whether its apps' jobs are done
 */
@ConfigurationProperties("upbeat.deletion")
record DeletionProperties(
    @DefaultValue("5000") int batchSize,
    @DefaultValue("1s") Duration pollInterval,
    @DefaultValue("60s") Duration lease,
    @DefaultValue("60s") Duration sweepDelay,
    @DefaultValue("2s") Duration orgWait) {
  DeletionProperties {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive: " + batchSize);
    }
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive: " + lease);
    }
  }
}
