package io.upbeat.spring;

import com.sun.net.httpserver.HttpServer;
import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import io.upbeat.agent.UpbeatConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the agent adds to one request of the example app, without the web server around it: the
 * starter's work (a transaction begun, named by its route, its outcome set and ended, counted in
 * the per-minute aggregates) around the request's own work (a pooled connection, one prepared query
 * on in-memory H2, its row read). {@code agent=off} is the baseline, in the same run: the agent not
 * started and the data source not wrapped, as with {@code upbeat.enabled=false}.
 *
 * <p>It lives in the starter's package because {@link JdbcSpans} is package-private: the wrapping
 * measured is exactly the one the starter installs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx512m", "-XX:+UseParallelGC"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Threads(2)
public class AgentPathBenchmark {
  private static final String UNKNOWN = "GET " + UpbeatFilter.UNKNOWN_ROUTE;
  private static final String ROUTE = "GET /users/{id}";
  private static final String SQL = "SELECT id, name FROM users WHERE id = ?";

  @Param({"off", "on"})
  public String agent;

  private HttpServer sink;
  private JdbcConnectionPool pool;
  private DataSource dataSource;

  @Setup
  public void setUp() throws Exception {
    pool = JdbcConnectionPool.create("jdbc:h2:mem:agentpath;DB_CLOSE_DELAY=-1", "sa", "");
    pool.setMaxConnections(16);
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS users (id INT PRIMARY KEY, name VARCHAR(40))");
      s.execute("MERGE INTO users KEY (id) VALUES (42, 'ada')");
    }
    dataSource = pool;
    if (agent.equals("on")) {
      // A loopback sink that reads and discards what the agent sends (a few samples and the
      // aggregates every 10 s): the agent's sender runs as it does in an application.
      sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      sink.createContext(
          "/",
          exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
              in.transferTo(OutputStream.nullOutputStream());
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
          });
      sink.start();
      Upbeat.start(
          UpbeatConfig.builder()
              .serverUrl("http://127.0.0.1:" + sink.getAddress().getPort())
              .secretToken("bench")
              .serviceName("agent-path")
              .build());
      dataSource = JdbcSpans.wrap(pool);
    }
  }

  @TearDown
  public void tearDown() {
    Upbeat.stop();
    if (sink != null) {
      sink.stop(0);
    }
    pool.dispose();
  }

  /** One request's database work, and the starter's transaction around it when the agent runs. */
  @Benchmark
  public String request() throws SQLException {
    Transaction t = Upbeat.beginTransaction(UNKNOWN, "request");
    String name;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(SQL)) {
      ps.setInt(1, 42);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        name = rs.getString(2);
      }
    }
    t.setName(ROUTE);
    t.setResult("HTTP 2xx");
    t.setOutcome(Transaction.Outcome.SUCCESS);
    t.end();
    return name;
  }
}
