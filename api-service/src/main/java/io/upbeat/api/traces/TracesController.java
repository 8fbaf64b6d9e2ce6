package io.upbeat.api.traces;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.traces.TracePayloads.Trace;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A distributed trace: every sampled transaction, span and error of one trace id across the org's
 * apps, so a request can be followed from service to service. Org-scoped (not app-scoped) because a
 * trace crosses apps; any member of the org may read it. The org is checked before the id, so a
 * stranger gets the same 404 whatever id they try.
 */
@RestController
class TracesController {
  private final AccessControl access;
  private final TraceStore traces;

  TracesController(AccessControl access, TraceStore traces) {
    this.access = access;
    this.traces = traces;
  }

  @GetMapping(
      path = "/api/v1/orgs/{orgId}/traces/{trace_id}",
      produces = MediaType.APPLICATION_JSON_VALUE)
  Trace trace(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @PathVariable("trace_id") String traceId) {
    return traces.get(access.org(user, orgId).orgId(), traceId);
  }
}
