package io.upbeat.api.audit;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.security.CurrentUser;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/** The audit trail page of an org's settings, for its owners, a page at a time. */
@Controller
class AuditPages {
  private final AccessControl access;
  private final AuditTrail trail;
  private final JdbcClient jdbc;

  AuditPages(AccessControl access, AuditTrail trail, JdbcClient jdbc) {
    this.access = access;
    this.trail = trail;
    this.jdbc = jdbc;
  }

  @GetMapping("/orgs/{orgId}/audit")
  String page(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String orgId,
      @RequestParam(required = false) String cursor,
      Model model) {
    UUID org = access.orgAsOwner(user, orgId).orgId();
    AuditTrail.Page page = trail.page(org, cursor);
    model.addAttribute("orgId", org);
    model.addAttribute(
        "orgName",
        jdbc.sql("SELECT name FROM orgs WHERE id = :id")
            .param("id", org)
            .query(String.class)
            .single());
    model.addAttribute("events", page.items());
    model.addAttribute("nextCursor", page.nextCursor());
    return "orgs/audit";
  }
}
