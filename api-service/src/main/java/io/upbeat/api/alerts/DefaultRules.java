package io.upbeat.api.alerts;

import io.upbeat.alerting.AlertRules;
import java.util.UUID;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Gives a new app the default rules (new errors and regressions, notified as before rules existed:
 * see {@link io.upbeat.alerting.Rule#actsAsBefore()}), in the transaction that creates the app.
 */
@Component
public class DefaultRules {
  private final JdbcTemplate template;

  DefaultRules(JdbcTemplate template) {
    this.template = template;
  }

  public void create(UUID app) {
    template.execute(
        (ConnectionCallback<Void>)
            c -> {
              AlertRules.insertDefaults(c, app);
              return null;
            });
  }
}
