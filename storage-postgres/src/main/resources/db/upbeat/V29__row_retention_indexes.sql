-- Row retention (M14): the processor's RowRetention deletes rows past their retention from the
-- tables that are not partitioned by time, in bounded batches. Each batch finds its rows by these
-- indexes (oldest first), instead of scanning the table.
CREATE INDEX error_hourly_hour_idx ON error_hourly (hour);
CREATE INDEX notifications_created_idx ON notifications (created_at);
CREATE INDEX notification_deliveries_created_idx ON notification_deliveries (created_at);
CREATE INDEX alert_events_at_idx ON alert_events (at);
