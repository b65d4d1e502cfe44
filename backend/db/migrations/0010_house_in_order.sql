-- Retention (backend/maintenance): the worker's timer deletes sync_log entries past the sync
-- horizon by their time; this index keeps that delete from scanning the whole log.
create index sync_log_changed_idx on sync_log (changed_at);
