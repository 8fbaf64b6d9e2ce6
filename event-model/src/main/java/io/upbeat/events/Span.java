package io.upbeat.events;

/** A timed operation inside a transaction; every field is optional (null when absent). */
public record Span(String name, String type, Double startMs, Double durationMs) {}
