package io.upbeat.spring.example;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** A small application the starter instruments in tests. */
@SpringBootApplication
public class ExampleApp {
  @RestController
  static class Users {
    private final JdbcTemplate jdbc;

    Users(JdbcTemplate jdbc) {
      this.jdbc = jdbc;
    }

    @GetMapping("/users/{id}")
    String user(@PathVariable int id) {
      Integer n =
          jdbc.queryForObject("SELECT count(*) FROM pg_class WHERE oid > ?", Integer.class, id);
      return "user " + id + " (" + n + ")";
    }

    @GetMapping("/boom")
    String boom() {
      throw new IllegalStateException("boom");
    }
  }
}
