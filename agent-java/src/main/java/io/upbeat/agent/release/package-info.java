/**
 * The release command CI runs after a deploy: {@code java -jar upbeat-agent.jar release ...} reads
 * the commits since the previous release from the local git history and posts them to the API. Only
 * {@link io.upbeat.agent.release.ReleaseCommand} is public; it uses nothing but the JDK and the
 * {@code git} executable.
 */
package io.upbeat.agent.release;
