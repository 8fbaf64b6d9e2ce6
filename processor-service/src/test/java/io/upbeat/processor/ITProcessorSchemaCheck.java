package io.upbeat.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.storage.Schema;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** The processor never migrates, and refuses to start on a database without its schema. */
class ITProcessorSchemaCheck {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  @Test
  void refusesToStartWhenTheSchemaOwnerNeverMigrated() {
    List<String> args = new ArrayList<>();
    stack.springProperties().forEach((k, v) -> args.add("--" + k + "=" + v));
    args.add("--server.port=0");
    args.add("--upbeat.schema.wait-timeout=2s");

    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(ProcessorApplication.class)
                    .run(args.toArray(String[]::new))
                    .close())
        .hasRootCauseInstanceOf(Schema.SchemaMismatchException.class)
        .rootCause()
        .hasMessageContaining("api-service");

    // Nothing was created: the processor only reads the schema history.
    Flyway flyway = Schema.flyway(stack.stack().dataSource());
    assertThat(flyway.info().applied()).isEmpty();
  }
}
