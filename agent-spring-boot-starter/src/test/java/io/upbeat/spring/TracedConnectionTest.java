package io.upbeat.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfigMXBean;
import com.zaxxer.hikari.HikariDataSource;
import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import io.upbeat.agent.UpbeatConfig;
import java.io.Closeable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import javax.sql.DataSource;
import org.h2.jdbc.JdbcConnection;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JDBC wrappers on a real driver (H2 in memory), reporting to a loopback sink that keeps what
 * the agent posts: executions within a transaction become spans named by their SQL's summary, calls
 * outside one go straight through, and the wrappers keep JDBC's identities.
 */
class TracedConnectionTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private HttpServer sink;
  private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  private DataSource dataSource;

  @BeforeEach
  void start() throws Exception {
    sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    sink.createContext(
        "/v1/events",
        exchange -> {
          try (GZIPInputStream in = new GZIPInputStream(exchange.getRequestBody())) {
            bodies.add(JSON.readTree(in.readAllBytes()));
          }
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    sink.start();
    Upbeat.start(
        UpbeatConfig.builder()
            .serverUrl("http://127.0.0.1:" + sink.getAddress().getPort())
            .secretToken("test")
            .serviceName("wrappers")
            .build());
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:wrappers;DB_CLOSE_DELAY=-1");
    dataSource = JdbcSpans.wrap(h2);
    try (Connection c = h2.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS users (id INT PRIMARY KEY, name VARCHAR(40))");
      s.execute("MERGE INTO users KEY (id) VALUES (1, 'ada')");
    }
  }

  @AfterEach
  void stop() {
    Upbeat.stop();
    sink.stop(0);
  }

  @Test
  void executionsWithinATransactionAreSpansNamedByTheirSql() throws Exception {
    Transaction t = Upbeat.beginTransaction("GET /users/{id}", "request");
    try (Connection c = dataSource.getConnection()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT id, name FROM users WHERE id = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("name")).isEqualTo("ada");
        }
      }
      try (Statement s = c.createStatement()) {
        assertThat(s.executeUpdate("UPDATE users SET name = 'ada' WHERE id = 1")).isEqualTo(1);
        s.addBatch("UPDATE users SET name = 'ada' WHERE id = 2");
        s.executeBatch();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO users VALUES (?, ?)")) {
        ps.setInt(1, 2);
        ps.setString(2, "grace");
        ps.addBatch();
        ps.executeBatch();
      }
      try (CallableStatement cs = c.prepareCall("CALL 1")) {
        assertThat(cs.execute()).isTrue();
      }
    }
    t.end();
    Upbeat.stop();

    JsonNode txn = onlyTransaction();
    List<String> spans = new ArrayList<>();
    for (JsonNode span : txn.at("/spans")) {
      spans.add(span.at("/name").asString());
      assertThat(span.at("/type").asString()).isEqualTo("db.h2.query");
      assertThat(span.at("/destination").asString()).isEqualTo("h2");
      assertThat(span.at("/parent_id").asString()).isEqualTo(txn.at("/id").asString());
    }
    assertThat(spans)
        .containsExactly(
            "SELECT FROM users",
            "UPDATE users",
            "SQL (batch)",
            "INSERT INTO users (batch)",
            "CALL");
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM users WHERE id = 2")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("grace");
    }
  }

  @Test
  void outsideATransactionNothingIsRecorded() throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT name FROM users WHERE id = ?")) {
      ps.setInt(1, 1);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
      }
    }
    Upbeat.stop();
    assertThat(bodies).allSatisfy(b -> assertThat(b.at("/transactions")).isEmpty());
  }

  @Test
  void wrappersKeepJdbcIdentities() throws Exception {
    try (Connection c = dataSource.getConnection()) {
      assertThat(c).isInstanceOf(TracedConnection.class);
      assertThat(c.isWrapperFor(JdbcConnection.class)).isTrue();
      assertThat(c.unwrap(JdbcConnection.class))
          .isNotNull()
          .isNotInstanceOf(TracedConnection.class);
      try (Statement s = c.createStatement();
          PreparedStatement ps = c.prepareStatement("SELECT 1");
          CallableStatement cs = c.prepareCall("CALL 1")) {
        // JDBC: a statement answers the connection that made it, not the one underneath.
        assertThat(s.getConnection()).isSameAs(c);
        assertThat(ps.getConnection()).isSameAs(c);
        assertThat(cs.getConnection()).isSameAs(c);
        assertThat(ps.isWrapperFor(org.h2.jdbc.JdbcPreparedStatement.class)).isTrue();
      }
      c.setAutoCommit(false);
      assertThat(c.getAutoCommit()).isFalse();
      c.rollback();
      c.setAutoCommit(true);
      assertThat(c.toString()).startsWith("traced ");
    }
    try (Connection c = dataSource.getConnection("", "")) {
      assertThat(c).isInstanceOf(TracedConnection.class);
    }
  }

  @Test
  void theDataSourceKeepsThePoolsInterfaces() throws Exception {
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl("jdbc:h2:mem:wrappers;DB_CLOSE_DELAY=-1");
    DataSource wrapped = JdbcSpans.wrap(pool);
    assertThat(wrapped).isInstanceOf(HikariConfigMXBean.class);
    assertThat(((HikariConfigMXBean) wrapped).getMaximumPoolSize()).isEqualTo(10);
    try (Connection c = wrapped.getConnection()) {
      assertThat(c).isInstanceOf(TracedConnection.class);
    }
    // Spring closes a pool at shutdown through Closeable: the wrapper still has it.
    ((Closeable) wrapped).close();
    assertThat(pool.isClosed()).isTrue();
    // The pool's own exception, as the application would get it without the agent.
    assertThatThrownBy(wrapped::getConnection).isInstanceOf(SQLException.class);
  }

  private JsonNode onlyTransaction() {
    List<JsonNode> txns = new ArrayList<>();
    for (JsonNode body : bodies) {
      body.at("/transactions").forEach(txns::add);
    }
    assertThat(txns).hasSize(1);
    return txns.get(0);
  }
}
