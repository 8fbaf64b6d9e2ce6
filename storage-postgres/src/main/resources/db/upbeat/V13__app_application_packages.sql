-- An app's own Java packages (e.g. {com.shop}): frames whose agent did not say whether they are
-- in-app (OpenTelemetry's) count as in-app exactly when their class is in one of these. NULL (the
-- default): every class outside the documented well-known library packages counts as in-app.
-- (V12 is left to the Elastic APM intake work, developed in parallel.)
ALTER TABLE apps ADD COLUMN application_packages text[]
    CHECK (application_packages IS NULL OR cardinality(application_packages) BETWEEN 1 AND 100);
