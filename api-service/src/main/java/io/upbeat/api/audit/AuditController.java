package io.upbeat.api.audit;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.security.CurrentUser;
import java.time.Instant;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** An org's audit trail, for its owners: {@code GET /api/v1/orgs/{org_id}/audit?cursor=}. */
@RestController
class AuditController {
  private final AccessControl access;
  private final AuditTrail trail;

  AuditController(AccessControl access, AuditTrail trail) {
    this.access = access;
    this.trail = trail;
  }

  record Item(Instant at, String actor, String action, String target, String address) {}

  record Items(List<Item> items, String nextCursor) {}

  @GetMapping(path = "/api/v1/orgs/{orgId}/audit", produces = MediaType.APPLICATION_JSON_VALUE)
  Items audit(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(required = false) String cursor) {
    AuditTrail.Page page = trail.page(access.orgAsOwner(user, orgId).orgId(), cursor);
    return new Items(
        page.items().stream()
            .map(e -> new Item(e.at(), e.actor(), e.action(), e.target(), e.address()))
            .toList(),
        page.nextCursor());
  }
}
