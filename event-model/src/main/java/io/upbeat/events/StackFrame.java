package io.upbeat.events;

/** One frame of a stack trace; every field is optional (null when absent). */
public record StackFrame(
    String module, String function, String filename, String path, Integer lineno, Boolean inApp) {}
