package io.upbeat.api.security;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;

/**
 * Browser sessions are stored under the SHA-256 digest of their id, never the id itself: whoever
 * reads the session table (a backup, a replica, a stolen dump) cannot ride a signed-in session, as
 * they cannot use a stored API key or token. The id is random (a UUID), so an unsalted digest is
 * enough, and the lookup by it stays one index probe.
 *
 * <p>Spring Session keeps the id in {@code SESSION_ID}; every statement that writes or looks up
 * that column is replaced here by one that digests the id in PostgreSQL. The lookup returns the id
 * it was given as {@code SESSION_ID}, so the session in memory keeps its real id (which the cookie
 * carries) and an expired one is deleted by it. Sessions listed by user carry their digest as id:
 * the application does not list them.
 */
@Configuration(proxyBeanMethods = false)
class HashedSessionIds {
  /** The digest of a session id, as lowercase hex, from a text parameter or column. */
  static String digest(String text) {
    return "encode(sha256(convert_to(" + text + ", 'UTF8')), 'hex')";
  }

  static final String CREATE_SESSION =
      """
      INSERT INTO %TABLE_NAME% (PRIMARY_ID, SESSION_ID, CREATION_TIME, LAST_ACCESS_TIME,
          MAX_INACTIVE_INTERVAL, EXPIRY_TIME, PRINCIPAL_NAME)
      VALUES (?, DIGEST, ?, ?, ?, ?, ?)
      """
          .replace("DIGEST", digest("CAST(? AS text)"));

  static final String GET_SESSION =
      """
      SELECT S.PRIMARY_ID, Q.RAW_ID AS SESSION_ID, S.CREATION_TIME, S.LAST_ACCESS_TIME,
          S.MAX_INACTIVE_INTERVAL, SA.ATTRIBUTE_NAME, SA.ATTRIBUTE_BYTES
      FROM (SELECT CAST(? AS text) AS RAW_ID) Q
      JOIN %TABLE_NAME% S ON S.SESSION_ID = DIGEST
      LEFT JOIN %TABLE_NAME%_ATTRIBUTES SA ON S.PRIMARY_ID = SA.SESSION_PRIMARY_ID
      """
          .replace("DIGEST", digest("Q.RAW_ID"));

  static final String UPDATE_SESSION =
      """
      UPDATE %TABLE_NAME%
      SET SESSION_ID = DIGEST, LAST_ACCESS_TIME = ?, MAX_INACTIVE_INTERVAL = ?, EXPIRY_TIME = ?,
          PRINCIPAL_NAME = ?
      WHERE PRIMARY_ID = ?
      """
          .replace("DIGEST", digest("CAST(? AS text)"));

  static final String DELETE_SESSION =
      """
      DELETE FROM %TABLE_NAME%
      WHERE SESSION_ID = DIGEST
      AND MAX_INACTIVE_INTERVAL >= 0
      """
          .replace("DIGEST", digest("CAST(? AS text)"));

  @Bean
  SessionRepositoryCustomizer<JdbcIndexedSessionRepository> sessionIdDigests() {
    return repository -> {
      repository.setCreateSessionQuery(CREATE_SESSION);
      repository.setGetSessionQuery(GET_SESSION);
      repository.setUpdateSessionQuery(UPDATE_SESSION);
      repository.setDeleteSessionQuery(DELETE_SESSION);
    };
  }
}
