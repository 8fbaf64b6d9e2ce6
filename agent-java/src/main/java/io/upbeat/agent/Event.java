package io.upbeat.agent;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the reporter sends: a finished transaction or a captured error, ready to write. */
sealed interface Event {
  /** Writes this event as an element of the batch's {@code transactions} or {@code errors}. */
  void write(Json json);

  /** About how much memory the event takes while queued: what the queue's byte budget counts. */
  long approximateBytes();

  private static long stringBytes(String s) {
    return s == null ? 0 : 40 + 2L * s.length();
  }

  private static long tagBytes(Map<String, String> tags) {
    long n = 0;
    if (tags != null) {
      for (Map.Entry<String, String> e : tags.entrySet()) {
        n += 32 + stringBytes(e.getKey()) + stringBytes(e.getValue());
      }
    }
    return n;
  }

  /**
   * A finished transaction.
   *
   * @param parentId the caller's span that started it (from {@code traceparent}), null at a root
   * @param aggregated already counted in this agent's {@code transaction_metrics}: an example
   * @param sampled its trace's decision, null when it has none (a transaction sent on its own)
   */
  record Txn(
      String id,
      String traceId,
      String parentId,
      String name,
      String type,
      Instant timestamp,
      double durationMs,
      String result,
      String outcome,
      List<SpanData> spans,
      Map<String, String> tags,
      String userId,
      boolean aggregated,
      Boolean sampled)
      implements Event {
    /** A transaction sent on its own, not counted in any aggregate, outside any trace. */
    Txn(
        String id,
        String traceId,
        String name,
        String type,
        Instant timestamp,
        double durationMs,
        String result,
        String outcome,
        List<SpanData> spans,
        Map<String, String> tags,
        String userId) {
      this(
          id,
          traceId,
          null,
          name,
          type,
          timestamp,
          durationMs,
          result,
          outcome,
          spans,
          tags,
          userId,
          false,
          null);
    }

    @Override
    public long approximateBytes() {
      long n = 200 + stringBytes(name) + stringBytes(result) + tagBytes(tags);
      for (SpanData s : spans) {
        n += 96 + stringBytes(s.name()) + stringBytes(s.type()) + stringBytes(s.destination());
      }
      return n;
    }

    @Override
    public void write(Json j) {
      j.beginObject()
          .field("id", id)
          .field("trace_id", traceId)
          .field("parent_id", parentId)
          .field("name", name)
          .field("type", type)
          .name("timestamp")
          .value(timestamp)
          .name("duration_ms")
          .value(durationMs)
          .field("result", result)
          .field("outcome", outcome);
      if (aggregated) {
        // Already counted in this agent's transaction_metrics: an example, not a count.
        j.name("aggregated").value(true);
      }
      if (sampled != null) {
        j.name("sampled").value(sampled.booleanValue());
      }
      if (!spans.isEmpty()) {
        j.name("spans").beginArray();
        for (SpanData s : spans) {
          j.beginObject()
              .field("id", RealTransaction.hex16(s.id()))
              .field("parent_id", s.parentId() == 0 ? id : RealTransaction.hex16(s.parentId()))
              .field("name", s.name())
              .field("type", s.type())
              .name("start_ms")
              .value(s.startMs())
              .name("duration_ms")
              .value(s.durationMs())
              .field("destination", s.destination())
              .field("outcome", s.outcome())
              .endObject();
        }
        j.endArray();
      }
      Context.write(j, tags, userId);
      j.endObject();
    }
  }

  /** Who an error happened to; any part may be null. */
  record User(String id, String email, String name) {}

  /** The request an error happened in: method and URL may be null, headers in the order given. */
  record Request(String method, String url, Map<String, String> headers) {}

  /**
   * A span of a transaction: offsets in milliseconds from the transaction's start.
   *
   * @param id its id (written as 16 hex digits), the parent id of the calls it makes; not zero
   * @param parentId the enclosing span's id, 0 when that is the transaction
   * @param destination where an exit call went ({@code host:port}), or null
   * @param outcome {@code success}, {@code failure} or {@code unknown}; null when not known
   */
  record SpanData(
      long id,
      long parentId,
      String name,
      String type,
      double startMs,
      double durationMs,
      String destination,
      String outcome) {}

  /**
   * A captured exception.
   *
   * @param traceId its transaction's trace, or null outside a transaction
   * @param parentId the span current when it was captured, else its transaction, or null
   */
  record Error(
      String id,
      Instant timestamp,
      String traceId,
      String transactionId,
      String parentId,
      String transactionName,
      String culprit,
      Frames.ExceptionData exception,
      Map<String, String> tags,
      User user,
      Request request)
      implements Event {
    @Override
    public long approximateBytes() {
      long n = 200 + stringBytes(transactionName) + stringBytes(culprit) + tagBytes(tags);
      if (user != null) {
        n += 64 + stringBytes(user.id()) + stringBytes(user.email()) + stringBytes(user.name());
      }
      if (request != null) {
        n += 64 + stringBytes(request.method()) + stringBytes(request.url());
        n += tagBytes(request.headers());
      }
      for (Frames.ExceptionData x = exception; x != null; x = x.cause()) {
        n += 64 + stringBytes(x.type()) + stringBytes(x.message());
        for (Frames.Frame f : x.frames()) {
          n += 64 + stringBytes(f.module()) + stringBytes(f.function()) + stringBytes(f.path());
        }
      }
      return n;
    }

    @Override
    public void write(Json j) {
      j.beginObject()
          .field("id", id)
          .name("timestamp")
          .value(timestamp)
          .field("trace_id", traceId)
          .field("transaction_id", transactionId)
          .field("parent_id", parentId)
          .field("transaction_name", transactionName)
          .field("level", "error")
          .field("culprit", culprit)
          .name("exception");
      exception.write(j);
      Context.write(j, tags, user, request);
      j.endObject();
    }
  }

  /** The optional {@code context} object: tags and user. */
  final class Context {
    private Context() {}

    static void write(Json j, Map<String, String> tags, String userId) {
      if ((tags == null || tags.isEmpty()) && userId == null) {
        return;
      }
      j.name("context").beginObject();
      if (userId != null) {
        j.name("user").beginObject().field("id", userId).endObject();
      }
      if (tags != null && !tags.isEmpty()) {
        j.name("tags").beginObject();
        tags.forEach((k, v) -> j.field(k, v));
        j.endObject();
      }
      j.endObject();
    }

    /** An error's context: its request and user in full beside the tags. */
    static void write(Json j, Map<String, String> tags, User user, Request request) {
      if ((tags == null || tags.isEmpty()) && user == null && request == null) {
        return;
      }
      j.name("context").beginObject();
      if (request != null) {
        j.name("request")
            .beginObject()
            .field("method", request.method())
            .field("url", request.url());
        if (!request.headers().isEmpty()) {
          j.name("headers").beginObject();
          request.headers().forEach((k, v) -> j.field(k, v));
          j.endObject();
        }
        j.endObject();
      }
      if (user != null) {
        j.name("user")
            .beginObject()
            .field("id", user.id())
            .field("email", user.email())
            .field("name", user.name())
            .endObject();
      }
      if (tags != null && !tags.isEmpty()) {
        j.name("tags").beginObject();
        tags.forEach((k, v) -> j.field(k, v));
        j.endObject();
      }
      j.endObject();
    }
  }
}
