package io.upbeat.example;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** A small shop: users, their orders, and one endpoint with a bug. */
@SpringBootApplication
public class ShopApplication {
  public static void main(String[] args) {
    SpringApplication.run(ShopApplication.class, args);
  }

  @RestController
  static class Shop {
    private final JdbcClient jdbc;
    private final Pricing pricing = new Pricing();

    Shop(JdbcClient jdbc) {
      this.jdbc = jdbc;
    }

    @GetMapping("/users/{id}")
    Map<String, Object> user(@PathVariable int id) {
      return jdbc.sql("SELECT id, name FROM users WHERE id = ?").param(id).query().singleRow();
    }

    @GetMapping("/users/{id}/orders")
    List<Map<String, Object>> orders(@PathVariable int id) {
      return jdbc.sql("SELECT id, total FROM orders WHERE user_id = ? ORDER BY id")
          .param(id)
          .query()
          .listOfRows();
    }

    /** Fails for users without orders: the bug the demo's errors come from. */
    @GetMapping("/users/{id}/discount")
    Map<String, Object> discount(@PathVariable int id) {
      List<BigDecimal> totals =
          jdbc.sql("SELECT total FROM orders WHERE user_id = ?")
              .param(id)
              .query(BigDecimal.class)
              .list();
      if (id < 1) {
        throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "no such user");
      }
      return Map.of("user", id, "discount", pricing.discount(totals));
    }
  }

  /** Pricing rules. */
  static final class Pricing {
    BigDecimal discount(List<BigDecimal> totals) {
      BigDecimal sum = totals.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
      // Bug: divides by the number of orders, which is zero for a user without any.
      return sum.divide(BigDecimal.valueOf(totals.size()), java.math.RoundingMode.HALF_UP)
          .multiply(new BigDecimal("0.05"));
    }
  }
}
