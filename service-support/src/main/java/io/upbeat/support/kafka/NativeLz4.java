package io.upbeat.support.kafka;

import net.jpountz.lz4.LZ4Factory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartingEvent;
import org.springframework.context.ApplicationListener;

/**
 * Gives Kafka's LZ4 codec lz4-java's native (JNI) implementation in a Spring Boot jar.
 *
 * <p>Kafka compresses and decompresses with {@code LZ4Factory.fastestInstance()}, which tries the
 * JNI library only when it is already loaded or when lz4-java sits on the system class loader. In a
 * Spring Boot jar it sits on Boot's own class loader, so every service fell back to the pure-Java
 * <em>safe</em> codec (lz4-java 1.10 has no other Java one): several times slower, and on the
 * request path of every intake request and every record the processor reads. Loading the native
 * instance once, before any producer or consumer exists, makes {@code fastestInstance()} pick it.
 * Where no native library fits the platform, Kafka keeps the Java codec and this says so once.
 *
 * <p>Registered in {@code META-INF/spring.factories}, so it runs first in every service.
 */
public final class NativeLz4 implements ApplicationListener<ApplicationStartingEvent> {
  private static final Logger log = LoggerFactory.getLogger(NativeLz4.class);

  private static volatile boolean inUse;

  @Override
  public void onApplicationEvent(ApplicationStartingEvent event) {
    load();
  }

  /** Loads the JNI codec if the platform has one; {@link #inUse} says whether Kafka will use it. */
  static void load() {
    try {
      LZ4Factory jni = LZ4Factory.nativeInstance();
      inUse = LZ4Factory.fastestInstance() == jni;
    } catch (Throwable unavailable) { // UnsatisfiedLinkError: no library for this platform
      log.info(
          "lz4-java has no native codec here ({}); Kafka uses its Java codec",
          unavailable.toString());
    }
  }

  /**
   * Whether {@link #load} made Kafka's codec the native one: false if it never ran (the listener
   * missing from a service's jar) or found no library. Exported as {@code upbeat_kafka_lz4_native}.
   */
  public static boolean inUse() {
    return inUse;
  }
}
