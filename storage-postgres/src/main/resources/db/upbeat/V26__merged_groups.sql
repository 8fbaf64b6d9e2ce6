-- Merged error groups (M13): a person says two or more groups are the same problem. Each group
-- keeps its own row, hourly counts and occurrences; a member only points at the group it was
-- merged into, so merging and unmerging move no data and unmerging restores every group exactly.
-- Reads add a target's members to it (count, first and last seen, hourly counts, occurrences,
-- search) and hide the members from the list; the processor triages a member's events as its
-- target's (see docs/architecture.md, "Merged groups").
ALTER TABLE error_groups
    -- The group this one was merged into (same app), or NULL. A group deleted with its app
    -- releases its members rather than blocking the purge's batches.
    ADD COLUMN merged_into uuid REFERENCES error_groups (id) ON DELETE SET NULL,
    -- Whether some group is merged into this one: keeps the list's single-group path (nearly every
    -- group) on the indexes it always used, and the families found by one small index.
    ADD COLUMN has_members boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT error_groups_not_merged_into_itself CHECK (merged_into <> id),
    -- No chains: a group that others are merged into is never merged into another itself. Every
    -- merge sets has_members on its target in the same transaction, under the target's row lock,
    -- so two merges racing in opposite directions cannot both commit.
    ADD CONSTRAINT error_groups_merge_no_chain CHECK (merged_into IS NULL OR NOT has_members);

CREATE INDEX error_groups_merged_into_idx ON error_groups (merged_into)
    WHERE merged_into IS NOT NULL;
CREATE INDEX error_groups_targets_idx ON error_groups (app_id) WHERE has_members;
