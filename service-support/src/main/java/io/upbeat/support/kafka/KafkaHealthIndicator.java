package io.upbeat.support.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports Kafka as UP when the cluster answers a metadata request within the timeout. One admin
 * client is kept for the life of the service.
 */
public class KafkaHealthIndicator implements HealthIndicator, DisposableBean {
  private final Admin admin;
  private final Duration timeout;

  public KafkaHealthIndicator(Map<String, Object> adminConfig, Duration timeout) {
    this.admin = Admin.create(adminConfig);
    this.timeout = timeout;
  }

  @Override
  public Health health() {
    DescribeClusterResult cluster =
        admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()));
    try {
      String clusterId = cluster.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      int nodes = cluster.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
      return Health.up().withDetail("clusterId", clusterId).withDetail("nodes", nodes).build();
    } catch (ExecutionException | TimeoutException e) {
      return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Health.down().withDetail("error", "interrupted").build();
    }
  }

  @Override
  public void destroy() {
    admin.close(Duration.ofSeconds(2));
  }
}
