/**
 * The Upbeat Java agent: the library an application embeds to report its transactions and errors to
 * Upbeat's intake, and the release command CI runs. It targets Java 17 and has no runtime
 * dependencies, so it cannot clash with the application's own.
 */
package io.upbeat.agent;
