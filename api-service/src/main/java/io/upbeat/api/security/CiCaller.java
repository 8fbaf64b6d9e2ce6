package io.upbeat.api.security;

import java.io.Serializable;
import java.util.UUID;

/**
 * A request authenticated with an app's CI token: it may post that app's releases, nothing else.
 */
public record CiCaller(UUID appId) implements Serializable {}
