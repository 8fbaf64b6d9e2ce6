package io.upbeat.processor.errors;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TokenDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Decides which group an error belongs to. The agent's {@code fingerprint}, when given, is the
 * group. Otherwise the group is the exception's type and its causes' types, plus the module and
 * function of every in-app frame, normalised so that what differs between builds or runs of the
 * same code (lambda and proxy class names, generated accessors) does not split a group. Line
 * numbers and messages never count: a fix elsewhere in a file, or a different id in a message, is
 * still the same error. With no in-app frame every frame counts; with no frame at all, the message
 * (with numbers and hex masked) does.
 *
 * <p>Wrapper exceptions (see {@link Wrappers}) at the top of the chain do not count: the key starts
 * at the exception they wrap. Groups created before that rule keep their ids: {@link #keys} also
 * gives the key as it was then ({@code legacy}), and the flush puts an event into the group of the
 * legacy key when no group has the new one (see {@link ErrorStore}). Chains without a wrapper on
 * top have the same key as ever.
 */
public final class ErrorGrouping {
  private static final Pattern LAMBDA = Pattern.compile("\\$\\$Lambda[$/].*$");
  private static final Pattern CGLIB =
      Pattern.compile("\\$\\$(?:EnhancerBy|FastClassBy)?\\w*CGLIB\\$\\$.*$");
  private static final Pattern HIBERNATE_PROXY = Pattern.compile("\\$HibernateProxy\\$.*$");
  private static final Pattern JDK_PROXY =
      Pattern.compile("^(?:jdk\\.proxy\\d+\\.|com\\.sun\\.proxy\\.)?\\$Proxy\\d+$");
  private static final Pattern GENERATED_ACCESSOR =
      Pattern.compile(
          "^(jdk\\.internal\\.reflect\\.|sun\\.reflect\\.)?(Generated(?:Method|Constructor|SerializationConstructor)Accessor)\\d+$");
  private static final Pattern LAMBDA_METHOD = Pattern.compile("^(lambda\\$.*?)\\$\\d+$");
  private static final Pattern ANONYMOUS = Pattern.compile("\\$\\d+(?=\\$|$)");
  private static final Pattern NUMBERS =
      Pattern.compile("\\b(?:0x)?[0-9a-fA-F]*\\d[0-9a-fA-F-]*\\b");

  private ErrorGrouping() {}

  /**
   * An error's group key as stable 64-hex-digit digests.
   *
   * @param fingerprint the key from the first exception that is not a wrapper
   * @param legacy the key from the top of the chain, as groups were keyed before wrappers were
   *     skipped; null when it is the same
   */
  record Keys(String fingerprint, String legacy) {}

  /** The group's key, with the built-in wrappers only. */
  public static String fingerprint(ErrorEvent error) {
    return keys(error, Wrappers.defaults()).fingerprint();
  }

  /** The group's key and, for a chain with a wrapper on top, its key as it was before. */
  static Keys keys(ErrorEvent error, Wrappers wrappers) {
    ExceptionInfo named = wrappers.unwrap(error.exception());
    String fingerprint = TokenDigest.sha256Hex(key(error, named));
    if (named == error.exception() || hasOwnFingerprint(error)) {
      return new Keys(fingerprint, null);
    }
    return new Keys(fingerprint, TokenDigest.sha256Hex(key(error, error.exception())));
  }

  private static boolean hasOwnFingerprint(ErrorEvent error) {
    return error.fingerprint() != null && !error.fingerprint().isEmpty();
  }

  /** The readable key the fingerprint is a digest of, from the top of the chain. */
  static String key(ErrorEvent error) {
    return key(error, error.exception());
  }

  /** The readable key from {@code top}, an exception of the error's chain, down. */
  static String key(ErrorEvent error, ExceptionInfo top) {
    if (hasOwnFingerprint(error)) {
      return "fingerprint:" + String.join("\u001f", error.fingerprint());
    }
    StringBuilder key = new StringBuilder();
    List<ExceptionInfo> chain = chain(top);
    for (ExceptionInfo e : chain) {
      key.append("type:").append(e.type()).append('\n');
    }
    List<StackFrame> frames = new ArrayList<>();
    for (ExceptionInfo e : chain) {
      frames.addAll(e.stacktrace());
    }
    List<StackFrame> inApp = frames.stream().filter(f -> Boolean.TRUE.equals(f.inApp())).toList();
    List<StackFrame> counted = inApp.isEmpty() ? frames : inApp;
    for (StackFrame f : counted) {
      key.append("frame:")
          .append(normalizeModule(f.module() != null ? f.module() : f.filename()))
          .append('#')
          .append(normalizeFunction(f.function()))
          .append('\n');
    }
    if (counted.isEmpty()) {
      String message = top.message();
      key.append("message:")
          .append(message == null ? "" : NUMBERS.matcher(message).replaceAll("<n>"));
    }
    return key.toString();
  }

  private static List<ExceptionInfo> chain(ExceptionInfo top) {
    List<ExceptionInfo> chain = new ArrayList<>();
    for (ExceptionInfo e = top; e != null && chain.size() <= 10; e = e.cause()) {
      chain.add(e);
    }
    return chain;
  }

  /** A class name without what the JVM or a framework generated onto it. */
  static String normalizeModule(String module) {
    if (module == null) {
      return "";
    }
    String m = LAMBDA.matcher(module).replaceAll("");
    m = CGLIB.matcher(m).replaceAll("");
    m = HIBERNATE_PROXY.matcher(m).replaceAll("");
    if (JDK_PROXY.matcher(m).matches()) {
      return "$Proxy";
    }
    var accessor = GENERATED_ACCESSOR.matcher(m);
    if (accessor.matches()) {
      return accessor.group(2);
    }
    return ANONYMOUS.matcher(m).replaceAll("\\$<anon>");
  }

  /** A method name without the counter javac appends to lambda bodies. */
  static String normalizeFunction(String function) {
    if (function == null) {
      return "";
    }
    var lambda = LAMBDA_METHOD.matcher(function);
    return lambda.matches() ? lambda.group(1) : function;
  }
}
