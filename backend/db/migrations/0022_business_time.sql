-- Retention counts business time: the replay window of idempotency keys and the sync log's horizon
-- are days in the life of the reps' phones. In production business time is the database's now();
-- a simulation (or a test) with its own clock sets `fieldsales.business_now` on each connection it
-- acquires (backend/db/pool.py), so a simulated 90 days age these tables as 90 real days would.
create function business_now() returns timestamptz
language sql stable
as $$ select coalesce(nullif(current_setting('fieldsales.business_now', true), '')::timestamptz, now()) $$;

alter table sync_log alter column changed_at set default business_now();
alter table idempotency_keys alter column created_at set default business_now();
