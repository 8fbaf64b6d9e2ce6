package io.upbeat.api.releases;

import io.upbeat.api.accounts.EmailAddress;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The releases API's request and response bodies (snake_case on the wire). */
final class ReleasePayloads {
  private ReleasePayloads() {}

  // Bounded repetitions only: the matcher reads at most 65 characters of any input.
  static final String SHA = "[0-9a-fA-F]{40}|[0-9a-fA-F]{64}";
  static final String SHA_MESSAGE = "must be a full commit sha: 40 (or 64) hexadecimal digits";

  /** What CI posts. Timestamps are strings, parsed as RFC 3339 so numbers are refused. */
  record ReleaseRequest(
      @NotBlank(message = "is required") @Size(max = 200, message = "must be 1 to 200 characters")
          String version,
      @Size(min = 1, max = 100, message = "must be 1 to 100 characters") String environment,
      String deployedAt,
      @Size(max = 200, message = "must be at most 200 characters") String deployer,
      @Size(max = 200, message = "must be at most 200 characters") String ref,
      @Pattern(regexp = SHA, message = SHA_MESSAGE) String headSha,
      @Size(max = 1_000, message = "must list at most 1000 commits")
          List<@NotNull(message = "must be an object") @Valid CommitRequest> commits) {}

  record CommitRequest(
      @NotNull(message = "is required") @Pattern(regexp = SHA, message = SHA_MESSAGE) String sha,
      @Size(max = 200, message = "must be at most 200 characters") String authorName,
      @Size(max = 320, message = "must be at most 320 characters") @EmailAddress String authorEmail,
      String timestamp,
      @Size(max = 10_000, message = "must be at most 10000 characters") String message,
      @Size(max = 1_000, message = "must list at most 1000 files")
          List<@NotNull(message = "must be an object") @Valid FileRequest> files) {}

  record FileRequest(
      @NotBlank(message = "is required")
          @Size(max = 4096, message = "must be at most 4096 characters")
          String path,
      @Pattern(
              regexp = "added|modified|deleted|renamed",
              message = "must be one of added, modified, deleted, renamed")
          String change,
      @Size(max = 1_000, message = "must list at most 1000 ranges") List<List<Integer>> lines) {}

  /** One row of the list, newest first. */
  record ReleaseItem(
      String version,
      String environment,
      Instant deployedAt,
      String deployer,
      String ref,
      String headSha,
      long commitCount,
      long newErrorGroups) {}

  record ReleaseList(List<ReleaseItem> items) {}

  /** One release with its commits and the error groups it introduced. */
  record ReleaseDetail(
      String version,
      String environment,
      Instant deployedAt,
      String deployer,
      String ref,
      String headSha,
      long commitCount,
      List<Commit> commits,
      List<NewError> newErrors) {}

  /**
   * The newest deploy of an environment, for the release command to list only the commits since its
   * {@code head_sha} (null when that release was posted without one).
   */
  record LatestRelease(String version, String environment, Instant deployedAt, String headSha) {}

  record Commit(
      String sha,
      String authorName,
      String authorEmail,
      Instant timestamp,
      String message,
      List<FileChange> files) {}

  record FileChange(String path, String change, List<List<Integer>> lines) {}

  /** An error group first seen in the release. */
  record NewError(
      UUID id,
      String type,
      String message,
      String culprit,
      long count,
      Instant firstSeen,
      Instant lastSeen,
      String status) {}
}
