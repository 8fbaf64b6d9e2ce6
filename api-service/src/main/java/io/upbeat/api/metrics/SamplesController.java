package io.upbeat.api.metrics;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.params.Problems;
import io.upbeat.api.security.CurrentUser;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Sampled transactions with their spans: the examples behind a transaction's metrics (agents send a
 * few per name and minute in full; the processor keeps a bounded number).
 */
@RestController
@RequestMapping(path = "/api/v1/apps/{appId}", produces = MediaType.APPLICATION_JSON_VALUE)
class SamplesController {
  static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

  private final AccessControl access;
  private final TransactionSamples samples;
  private final Clock clock;

  SamplesController(AccessControl access, TransactionSamples samples, Clock clock) {
    this.access = access;
    this.samples = samples;
    this.clock = clock;
  }

  /**
   * One sampled transaction as the API returns it (spans and context as stored JSON).
   *
   * @param sampleId the stored sample (the trace API names it too)
   * @param parentId the span that called this transaction, in its trace; null for a trace's root
   */
  record Sample(
      UUID sampleId,
      String transactionId,
      String traceId,
      String parentId,
      String name,
      String type,
      String environment,
      Instant timestamp,
      double durationMs,
      String result,
      String outcome,
      String serviceVersion,
      @JsonRawValue String spans,
      @JsonRawValue String context) {}

  record Samples(Instant from, Instant to, List<Sample> items) {}

  /**
   * The newest (or slowest) sampled transactions in the window, optionally of one name, type or
   * environment.
   */
  @GetMapping("/transactions/samples")
  Samples samples(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String name,
      @RequestParam(required = false) String type,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String sort,
      @RequestParam(required = false) String limit) {
    AppAccess app = access.app(user, appId);
    Problems problems = new Problems();
    String txnName = problems.text("name", name, 1024);
    String txnType = problems.text("type", type, 64);
    String env = problems.text("environment", environment, 100);
    Instant end = problems.timestamp("to", to);
    Instant start = problems.timestamp("from", from);
    int max = problems.integer("limit", limit, 1, 100, 20);
    if (sort != null && !sort.equals("recent") && !sort.equals("slowest")) {
      problems.add("sort", "must be recent or slowest");
    }
    Instant windowEnd = end != null ? end : clock.instant();
    Instant windowStart = start != null ? start : windowEnd.minus(DEFAULT_WINDOW);
    if (!windowStart.isBefore(windowEnd)) {
      problems.add("from", "must be before to");
    }
    problems.throwIfAny();
    List<Sample> items =
        samples.find(
            app.id(), txnName, txnType, env, windowStart, windowEnd, "slowest".equals(sort), max);
    return new Samples(windowStart, windowEnd, items);
  }
}
