-- Ignore until: a group ignored with a condition is reopened by the processor when the condition
-- is met (see docs/architecture.md, Triage). At most one condition is set; all are cleared by any
-- change of status.
ALTER TABLE error_groups
  -- reopen when the group's count reaches this (its count when ignored plus N)
  ADD COLUMN ignore_until_count bigint,
  -- reopen with the first event after this time
  ADD COLUMN ignore_until_at timestamptz,
  -- reopen with the first event of a release deployed after ignored_at
  ADD COLUMN ignore_until_release boolean NOT NULL DEFAULT false,
  ADD COLUMN ignored_at timestamptz;
