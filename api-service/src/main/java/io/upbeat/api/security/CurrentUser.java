package io.upbeat.api.security;

import java.io.Serializable;
import java.util.UUID;

/**
 * The signed-in user of a request, whether it came with an API key or a browser session. Kept in
 * the session, so it holds nothing secret.
 */
public record CurrentUser(UUID id, String email) implements Serializable {}
