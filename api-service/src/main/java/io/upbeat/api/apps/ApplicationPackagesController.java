package io.upbeat.api.apps;

import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.assignment.InAppRule;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import java.sql.Array;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An app's application packages: which stack frames are its own code when the agent did not say
 * (OpenTelemetry agents never do). Empty means the zero-configuration rule: everything outside the
 * well-known library packages ({@code library_packages} in the answer) is in-app. The processor
 * reads them (cached for a minute), so a change applies to errors processed after that.
 */
@RestController
@RequestMapping("/api/v1/apps/{appId}/application-packages")
class ApplicationPackagesController {
  private final AccessControl access;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final AuditLog audit;

  ApplicationPackagesController(
      AccessControl access, JdbcClient jdbc, TransactionTemplate tx, AuditLog audit) {
    this.tx = tx;
    this.audit = audit;
    this.access = access;
    this.jdbc = jdbc;
  }

  record PackagesRequest(List<String> packages) {}

  /**
   * @param packages the app's packages, empty when it relies on the defaults
   * @param libraryPackages the default rule's library packages, for reference
   */
  record Packages(List<String> packages, List<String> libraryPackages) {}

  @GetMapping
  Packages get(@AuthenticationPrincipal CurrentUser user, @PathVariable String appId) {
    UUID app = access.app(user, appId).id();
    List<String> packages =
        jdbc.sql("SELECT application_packages FROM apps WHERE id = :app")
            .param("app", app)
            .query((rs, n) -> strings(rs.getArray(1)))
            .single();
    return new Packages(packages, InAppRule.LIBRARY_PACKAGES);
  }

  /** Replaces the packages; an empty list (or null) returns the app to the defaults. */
  @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  Packages put(
      @AuthenticationPrincipal CurrentUser user,
      @PathVariable String appId,
      @RequestBody PackagesRequest request) {
    AppAccess target = access.appAsOwner(user, appId);
    UUID app = target.id();
    List<String> packages = request.packages() == null ? List.of() : request.packages();
    List<ErrorBody.Detail> problems = new ArrayList<>();
    if (packages.size() > InAppRule.MAX_PACKAGES) {
      problems.add(
          new ErrorBody.Detail(
              "packages", "must have at most " + InAppRule.MAX_PACKAGES + " packages"));
    }
    for (int i = 0; i < packages.size() && problems.size() < ErrorBody.MAX_DETAILS; i++) {
      if (!InAppRule.validPackage(packages.get(i))) {
        problems.add(
            new ErrorBody.Detail(
                "packages[" + i + "]", "must be a Java package name such as com.shop"));
      }
    }
    if (!problems.isEmpty()) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          problems.size() == 1
              ? "One field of the request is invalid."
              : "Fields of the request are invalid (" + problems.size() + " shown).",
          problems);
    }
    List<String> distinct = List.copyOf(new LinkedHashSet<>(packages));
    tx.executeWithoutResult(
        status -> {
          jdbc.sql("UPDATE apps SET application_packages = :packages WHERE id = :app")
              .param("app", app)
              .param("packages", distinct.isEmpty() ? null : distinct.toArray(String[]::new))
              .update();
          audit.org(
              user,
              target.orgId(),
              AuditAction.APPLICATION_PACKAGES_CHANGED,
              target.name()
                  + ": "
                  + (distinct.isEmpty() ? "defaults" : String.join(", ", distinct)));
        });
    return new Packages(distinct, InAppRule.LIBRARY_PACKAGES);
  }

  private static List<String> strings(Array array) throws java.sql.SQLException {
    return array == null ? List.of() : List.of((String[]) array.getArray());
  }
}
