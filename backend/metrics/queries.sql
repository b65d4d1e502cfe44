-- name: job_queue_depth
-- Jobs waiting to be picked, per entrypoint (pgqueuer's table, installed by `fieldsales migrate`).
select entrypoint, count(*)::int as queued from pgqueuer where status = 'queued' group by entrypoint order by entrypoint;
