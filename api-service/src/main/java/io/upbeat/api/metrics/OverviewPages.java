package io.upbeat.api.metrics;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.environments.Environments;
import io.upbeat.api.errors.ErrorDigest;
import io.upbeat.api.metrics.MetricsController.Summary;
import io.upbeat.api.metrics.MetricsController.TransactionItem;
import io.upbeat.api.params.MinuteWindow;
import io.upbeat.api.params.Problems;
import io.upbeat.api.security.CurrentUser;
import java.time.Clock;
import java.util.List;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The app overview and transaction pages. Each page has a {@code live} part (figures, charts,
 * tables) that the browser polls every 10 s through the {@code .../live} twin of its URL, which
 * renders just that fragment for the same range, so a refresh never loses the selected range. The
 * charts draw themselves from the metrics JSON API (their {@code data-src}).
 */
@Controller
@RequestMapping("/apps/{appId}")
class OverviewPages {
  static final int TOP_ERRORS = 5;

  /** The most impactful transactions the overview lists (the table is sorted in the browser). */
  static final int MAX_TRANSACTIONS = 500;

  /** The slowest sampled transactions a transaction page shows, with their spans. */
  static final int SLOWEST_SAMPLES = 5;

  private final AccessControl access;
  private final MetricsService metrics;
  private final ErrorDigest errors;
  private final TransactionSamples samples;
  private final Environments environments;
  private final Clock clock;

  OverviewPages(
      AccessControl access,
      MetricsService metrics,
      ErrorDigest errors,
      TransactionSamples samples,
      Environments environments,
      Clock clock) {
    this.samples = samples;
    this.environments = environments;
    this.access = access;
    this.metrics = metrics;
    this.errors = errors;
    this.clock = clock;
  }

  @GetMapping
  String overview(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String range,
      @RequestParam(required = false) String environment,
      Model model) {
    overviewModel(access.app(user, appId), Range.parse(range), environment, model);
    return "metrics/overview";
  }

  @GetMapping("/overview/live")
  String overviewLive(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam(required = false) String range,
      @RequestParam(required = false) String environment,
      Model model) {
    overviewModel(access.app(user, appId), Range.parse(range), environment, model);
    return "metrics/overview :: live";
  }

  @GetMapping("/transactions")
  String transaction(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam String name,
      @RequestParam(required = false) String type,
      @RequestParam(required = false) String range,
      @RequestParam(required = false) String environment,
      Model model) {
    transactionModel(access.app(user, appId), name, type, Range.parse(range), environment, model);
    return "metrics/transaction";
  }

  @GetMapping("/transactions/live")
  String transactionLive(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestParam String name,
      @RequestParam(required = false) String type,
      @RequestParam(required = false) String range,
      @RequestParam(required = false) String environment,
      Model model) {
    transactionModel(access.app(user, appId), name, type, Range.parse(range), environment, model);
    return "metrics/transaction :: live";
  }

  /** The overview of one environment ({@code environment}, kept in the URL) or of all (blank). */
  private void overviewModel(AppAccess app, Range range, String environment, Model model) {
    Problems problems = new Problems();
    String env = problems.environment(environment);
    problems.throwIfAny();
    MinuteWindow w = range.window(clock);
    Summary summary = Summary.of(metrics.summary(app.id(), w.from(), w.to(), null, null, env));
    List<TransactionItem> transactions =
        metrics.transactions(app.id(), w.from(), w.to(), env, null, MAX_TRANSACTIONS).stream()
            .map(t -> TransactionItem.of(t, w.minutes()))
            .toList();
    model.addAttribute("app", app);
    model.addAttribute("range", range);
    model.addAttribute("ranges", Range.values());
    model.addAttribute("window", w);
    model.addAttribute("summary", summary);
    model.addAttribute("rpm", summary.count() / w.minutes());
    model.addAttribute("transactions", transactions);
    model.addAttribute(
        "topErrors", errors.topUnresolved(app.id(), w.from(), w.to(), env, TOP_ERRORS));
    model.addAttribute("environment", env);
    model.addAttribute("environments", environments.list(app.id()));
  }

  /** One transaction of one environment ({@code environment}, kept in the URL) or of all. */
  private void transactionModel(
      AppAccess app, String name, String type, Range range, String environment, Model model) {
    Problems problems = new Problems();
    problems.text("name", name, 1024);
    String t = type == null || type.isBlank() ? null : problems.text("type", type, 64);
    String env = problems.environment(environment);
    problems.throwIfAny();
    MinuteWindow w = range.window(clock);
    Summary summary = Summary.of(metrics.summary(app.id(), w.from(), w.to(), name, t, env));
    model.addAttribute("app", app);
    model.addAttribute("range", range);
    model.addAttribute("ranges", Range.values());
    model.addAttribute("window", w);
    model.addAttribute("name", name);
    model.addAttribute("type", t);
    model.addAttribute("summary", summary);
    model.addAttribute("rpm", summary.count() / w.minutes());
    model.addAttribute(
        "samples",
        samples.find(app.id(), name, t, env, w.from(), w.to(), true, SLOWEST_SAMPLES).stream()
            .map(SampleView::of)
            .toList());
    model.addAttribute("environment", env);
    model.addAttribute("environments", environments.list(app.id()));
  }
}
