package io.upbeat.events;

/**
 * A timed operation inside a transaction; every field is optional (null when absent).
 *
 * @param id the span's own id (W3C parent-id form, 16 hex), what a downstream transaction names as
 *     its {@code parentId}
 * @param parentId the enclosing span's id, or the transaction's id for a top-level span
 * @param destination where an exit call went: {@code host:port}, or the database system
 * @param outcome {@code success}, {@code failure} or {@code unknown}
 */
public record Span(
    String name,
    String type,
    Double startMs,
    Double durationMs,
    String id,
    String parentId,
    String destination,
    String outcome) {

  /** A span without trace links, as agents before trace propagation sent them. */
  public Span(String name, String type, Double startMs, Double durationMs) {
    this(name, type, startMs, durationMs, null, null, null, null);
  }

  /** This span with another name (scrubbing, making text storable); the same span if equal. */
  public Span withText(String name, String destination) {
    return name == this.name && destination == this.destination
        ? this
        : new Span(name, type, startMs, durationMs, id, parentId, destination, outcome);
  }
}
