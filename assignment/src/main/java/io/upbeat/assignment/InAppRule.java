package io.upbeat.assignment;

import java.util.List;

/**
 * Whether a stack frame's class is the application's own code ("in app") or a library's, for frames
 * whose agent did not say (OpenTelemetry sends none). With the app's application packages set, a
 * class is in app exactly when it is in one of them. Without, with zero configuration, a class is
 * in app unless it is in one of the well-known runtime and library packages of {@link
 * #LIBRARY_PACKAGES}.
 *
 * <p>Package prefixes match whole segments: {@code com.shop} covers {@code com.shop.UserService}
 * and {@code com.shop.web.Api}, not {@code com.shopping.Cart}.
 */
public final class InAppRule {
  /**
   * The JVM's own packages and the frameworks, servers, drivers and agents Java applications run
   * on. Documented in docs/agents.md; extend it with care: a library missing here only makes its
   * frames count as the app's (grouping and blame then see more frames), while an application
   * package wrongly listed here hides the app's own frames.
   */
  public static final List<String> LIBRARY_PACKAGES =
      List.of(
          // the JVM and its languages
          "java",
          "javax",
          "jakarta",
          "jdk",
          "sun",
          "com.sun",
          "kotlin",
          "kotlinx",
          "scala",
          "groovy",
          "org.codehaus.groovy",
          "clojure",
          // frameworks and servers
          "org.springframework",
          "org.apache",
          "org.eclipse.jetty",
          "io.undertow",
          "org.jboss",
          "org.wildfly",
          "io.quarkus",
          "io.micronaut",
          "io.vertx",
          "io.netty",
          "reactor",
          "io.reactivex",
          "rx",
          "akka",
          "io.dropwizard",
          "org.glassfish",
          "com.google",
          "com.fasterxml.jackson",
          "tools.jackson",
          "com.squareup",
          "okhttp3",
          "okio",
          "feign",
          "retrofit2",
          "io.grpc",
          // persistence and drivers
          "org.hibernate",
          "com.zaxxer.hikari",
          "org.postgresql",
          "com.mysql",
          "org.mariadb",
          "oracle",
          "org.h2",
          "org.hsqldb",
          "com.mongodb",
          "org.mongodb",
          "io.lettuce",
          "redis.clients",
          "org.jooq",
          "org.mybatis",
          "org.flywaydb",
          "org.liquibase",
          "liquibase",
          // logging, metrics and tests
          "org.slf4j",
          "ch.qos.logback",
          "org.apache.logging",
          "io.micrometer",
          "org.junit",
          "org.mockito",
          "org.testng",
          // agents and their generated code
          "io.opentelemetry",
          "co.elastic.apm",
          "io.upbeat.agent",
          "io.upbeat.spring",
          "net.bytebuddy",
          "org.aspectj",
          "net.sf.cglib",
          "javassist");

  private static final InAppRule DEFAULT = new InAppRule(LIBRARY_PACKAGES, false);

  /** At most this many application packages per app. */
  public static final int MAX_PACKAGES = 100;

  /** At most this many characters per package name. */
  public static final int MAX_PACKAGE_LENGTH = 200;

  private final List<String> packages;
  private final boolean inAppWhenListed;

  private InAppRule(List<String> packages, boolean inAppWhenListed) {
    this.packages = List.copyOf(packages);
    this.inAppWhenListed = inAppWhenListed;
  }

  /** The zero-configuration rule: everything but {@link #LIBRARY_PACKAGES} is in app. */
  public static InAppRule defaults() {
    return DEFAULT;
  }

  /**
   * The rule for an app: its own packages when it set any (null or empty: the defaults).
   *
   * @throws IllegalArgumentException for a package name that is not one ({@link #validPackage}), or
   *     more than {@link #MAX_PACKAGES}
   */
  public static InAppRule forApp(List<String> applicationPackages) {
    if (applicationPackages == null || applicationPackages.isEmpty()) {
      return DEFAULT;
    }
    if (applicationPackages.size() > MAX_PACKAGES) {
      throw new IllegalArgumentException(
          "more than " + MAX_PACKAGES + " packages: " + applicationPackages.size());
    }
    for (String p : applicationPackages) {
      if (!validPackage(p)) {
        throw new IllegalArgumentException("not a Java package name: " + p);
      }
    }
    return new InAppRule(applicationPackages, true);
  }

  /**
   * A dotted Java package (or class-name prefix): {@code com.shop}, {@code io.upbeat.example}; at
   * most {@link #MAX_PACKAGE_LENGTH} characters. Each dot-separated part starts with a letter,
   * {@code _} or {@code $} and goes on with those or digits (Unicode letters and numbers). One scan
   * after the length check, no regular expression.
   */
  public static boolean validPackage(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_PACKAGE_LENGTH) {
      return false;
    }
    boolean partStart = true;
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == '.') {
        if (partStart) {
          return false; // an empty part
        }
        partStart = true;
      } else if (letter(cp) || (!partStart && number(cp))) {
        partStart = false;
      } else {
        return false;
      }
    }
    return !partStart;
  }

  /** {@code [\p{L}_$]}. */
  private static boolean letter(int cp) {
    return cp == '_' || cp == '$' || Character.isLetter(cp);
  }

  /** {@code \p{N}}. */
  private static boolean number(int cp) {
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER
        || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }

  /** Whether a frame of class {@code module} is the app's own; false for an unknown class. */
  public boolean inApp(String module) {
    if (module == null || module.isEmpty()) {
      return false;
    }
    return covered(module) == inAppWhenListed;
  }

  private boolean covered(String module) {
    for (String p : packages) {
      if (module.startsWith(p)
          && (module.length() == p.length() || module.charAt(p.length()) == '.')) {
        return true;
      }
    }
    return false;
  }
}
