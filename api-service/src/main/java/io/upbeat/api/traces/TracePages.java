package io.upbeat.api.traces;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.traces.TracePayloads.Trace;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The waterfall of one trace ({@code GET /orgs/{org}/traces/{trace}}): the trace API's answer drawn
 * as one timeline across services. Linked from a transaction's samples and from an error's
 * occurrences; same access and answers as the API (404 for strangers, 400 for an impossible id).
 */
@Controller
class TracePages {
  private final AccessControl access;
  private final TraceStore traces;

  TracePages(AccessControl access, TraceStore traces) {
    this.access = access;
    this.traces = traces;
  }

  @GetMapping("/orgs/{orgId}/traces/{trace_id}")
  String trace(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable("trace_id") String traceId,
      Model model) {
    Trace trace = traces.get(access.org(user, orgId).orgId(), traceId);
    model.addAttribute("trace", trace);
    model.addAttribute("waterfall", Waterfall.of(trace));
    return "traces/trace";
  }
}
