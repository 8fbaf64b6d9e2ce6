package io.upbeat.agent;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Turns a {@link Throwable} into intake's exception form: type, message, frames innermost first,
 * and the cause chain (at most 10 deep, at most 500 frames each, as intake accepts). A frame is
 * in-app when its class is in one of the configured application packages, and carries a {@code
 * path} from its package and source file ({@code com/shop/UserService.java}) so auto-assignment can
 * match it with the repository's files.
 */
final class Frames {
  static final int MAX_DEPTH = 10;
  static final int MAX_FRAMES = 500;

  private final List<String> appPackages;

  Frames(List<String> appPackages) {
    this.appPackages = appPackages;
  }

  record Frame(
      String module, String function, String filename, String path, int lineno, boolean inApp) {}

  record ExceptionData(String type, String message, List<Frame> frames, ExceptionData cause) {
    void write(Json j) {
      j.beginObject().field("type", type).field("message", message).name("stacktrace").beginArray();
      for (Frame f : frames) {
        j.beginObject().field("module", f.module()).field("function", f.function());
        j.field("filename", f.filename()).field("path", f.path());
        if (f.lineno() > 0) {
          j.name("lineno").value(f.lineno());
        }
        j.name("in_app").value(f.inApp()).endObject();
      }
      j.endArray();
      if (cause != null) {
        j.name("cause");
        cause.write(j);
      }
      j.endObject();
    }
  }

  ExceptionData of(Throwable t) {
    return of(t, 0, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  private ExceptionData of(Throwable t, int depth, Set<Throwable> seen) {
    seen.add(t);
    List<Frame> frames = new ArrayList<>();
    StackTraceElement[] trace = t.getStackTrace();
    for (int i = 0; i < trace.length && i < MAX_FRAMES; i++) {
      frames.add(frame(trace[i]));
    }
    Throwable cause = t.getCause();
    ExceptionData causeData =
        cause == null || depth + 1 >= MAX_DEPTH || seen.contains(cause)
            ? null
            : of(cause, depth + 1, seen);
    return new ExceptionData(t.getClass().getName(), t.getMessage(), frames, causeData);
  }

  Frame frame(StackTraceElement e) {
    String cls = e.getClassName();
    return new Frame(
        cls,
        e.getMethodName(),
        e.getFileName(),
        path(cls, e.getFileName()),
        e.getLineNumber(),
        inApp(cls));
  }

  boolean inApp(String className) {
    for (String p : appPackages) {
      if (className.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code com.shop.UserService$1} + {@code UserService.java} -> {@code com/shop/UserService.java}.
   */
  static String path(String className, String fileName) {
    if (fileName == null) {
      return null;
    }
    int dot = className.lastIndexOf('.');
    return dot < 0 ? fileName : className.substring(0, dot).replace('.', '/') + "/" + fileName;
  }

  /** The innermost in-app frame as {@code module.function}, the usual "where it broke". */
  static String culprit(ExceptionData e) {
    for (ExceptionData x = e; x != null; x = x.cause()) {
      for (Frame f : x.frames()) {
        if (f.inApp()) {
          return f.module() + "." + f.function();
        }
      }
    }
    return null;
  }
}
