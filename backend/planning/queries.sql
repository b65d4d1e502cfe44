-- name: rep_planning_profile
select u.id as rep_id, u.email, ST_Y(r.home) as home_lat, ST_X(r.home) as home_lon, r.shift_start_s,
       r.shift_end_s, r.time_zone, r.travel_mode, r.working_days::int[] as working_days
from users u join reps r on r.user_id = u.id
where u.id = $1 and u.role = 'rep' and u.is_active;

-- name: plannable_reps
select u.id from users u join reps r on r.user_id = u.id where u.role = 'rep' and u.is_active order by u.id;

-- name: due_from_schedule
-- Visits due on $2 by the rep's newest schedule that covers the day.
with schedule as (
    select s.id from schedules s
    where s.rep_id = $1 and s.start_day <= $2 and s.end_day > $2
    order by s.created_at desc, s.id desc limit 1
)
select a.id as account_id, a.name, ST_Y(a.location) as lat, ST_X(a.location) as lon, a.service_s,
       a.account_class, sv.day as due_day,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $2::date)),
                '[]'::jsonb) as opening
from schedule join scheduled_visits sv on sv.schedule_id = schedule.id
join accounts a on a.id = sv.account_id
where sv.day = $2 and a.status <> 'closed'
order by a.id;

-- name: stops_of_recent_routes
-- Stops of the published (newest) route of each of the rep's days in [$2, $3): candidates to carry over.
with newest as (
    select distinct on (day) id, day from routes
    where rep_id = $1 and day >= $2 and day < $3
    order by day, version desc
)
select s.account_id, s.due_day, newest.day as route_day, a.name, ST_Y(a.location) as lat, ST_X(a.location) as lon,
       a.service_s, a.account_class,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $3::date)),
                '[]'::jsonb) as opening
from newest join route_stops s on s.route_id = newest.id
join accounts a on a.id = s.account_id
where s.source in ('schedule', 'carried_over') and a.status <> 'closed'
order by s.account_id, newest.day;

-- name: tasks_for_day
select t.id as task_id, t.kind, t.start_s, t.priority, a.id as account_id, a.name, ST_Y(a.location) as lat,
       ST_X(a.location) as lon, a.service_s, a.account_class,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $2::date)),
                '[]'::jsonb) as opening
from planned_tasks t join accounts a on a.id = t.account_id
where t.rep_id = $1 and t.day = $2
order by t.id;

-- name: lock_rep_day
-- Serialises writers of one rep-day (nightly workers, re-plans) for the rest of the transaction.
select pg_advisory_xact_lock(hashtextextended('route:' || $1::bigint || ':' || $2::date, 0));

-- name: newest_route_head
select id, version, inputs_hash, run_id, kind from routes
where rep_id = $1 and day = $2 order by version desc limit 1;

-- name: newest_route_account_ids
select s.account_id from route_stops s
where s.route_id = $1 order by s.seq;

-- name: insert_route
insert into routes (rep_id, day, version, kind, run_id, inputs_hash, start_s, end_s, travel_s, distance_m, unassigned)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
returning id;

-- name: insert_route_stop
insert into route_stops (route_id, seq, account_id, source, due_day, priority, arrival_s, start_s, end_s, service_s,
                         travel_from_previous_s, window_start_s, window_end_s, pinned_start_s)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14);

-- name: insert_route_break
insert into route_breaks (route_id, start_s, end_s) values ($1, $2, $3);

-- name: create_run
insert into planning_runs (day, trigger) values ($1, $2) returning id;

-- name: add_run_rep
insert into planning_run_reps (run_id, rep_id) values ($1, $2) on conflict do nothing;

-- name: start_run_rep
-- Attempts count every start, so a job re-run after a worker died shows up in the report.
update planning_run_reps set status = 'running', attempts = attempts + 1, started_at = now(), error = null
where run_id = $1 and rep_id = $2
returning attempts;

-- name: run_rep_status
select status from planning_run_reps where run_id = $1 and rep_id = $2;

-- name: finish_run_rep
update planning_run_reps
set status = $3, visits_planned = $4, visits_dropped = $5, dropped = $6, solve_s = $7, route_id = $8, error = $9,
    finished_at = now()
where run_id = $1 and rep_id = $2;

-- name: refresh_run_status
update planning_runs r set
    status = case
        when counts.open > 0 and counts.started > 0 then 'running'
        when counts.open > 0 then 'queued'
        when counts.failed > 0 then 'done_with_failures'
        else 'done' end,
    finished_at = case when counts.open = 0 then coalesce(r.finished_at, now()) else null end
from (
    select count(*) filter (where status in ('queued', 'running')) as open,
           count(*) filter (where status <> 'queued') as started,
           count(*) filter (where status = 'failed') as failed
    from planning_run_reps where run_id = $1
) counts
where r.id = $1;

-- name: get_run
select id, day, trigger, status, created_at, finished_at from planning_runs where id = $1;

-- name: run_reps
select rr.rep_id, u.email, rr.status, rr.attempts, rr.visits_planned, rr.visits_dropped, rr.dropped, rr.solve_s,
       rr.route_id, rr.error
from planning_run_reps rr join users u on u.id = rr.rep_id
where rr.run_id = $1 and rr.rep_id in (select visible_rep_ids($2, $3))
order by rr.rep_id;

-- name: run_for_day
select id from planning_runs where day = $1 and trigger = $2 order by id desc limit 1;

-- name: reps_without_route
select u.id from users u join reps r on r.user_id = u.id
where u.role = 'rep' and u.is_active
  and not exists (select 1 from routes x where x.rep_id = u.id and x.day = $1)
order by u.id;

-- name: stops_for_replan
-- Every stop of a route with what is needed to plan it again: opening hours of the route's weekday.
select s.account_id, s.source, s.priority, s.due_day, s.pinned_start_s, a.name, ST_Y(a.location) as lat,
       ST_X(a.location) as lon, a.service_s, a.account_class,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $2::date)),
                '[]'::jsonb) as opening
from route_stops s join accounts a on a.id = s.account_id
where s.route_id = $1
order by s.seq;

-- name: completed_visit_days
-- Local days on which the rep checked in at each account (a flagged visit still counts as made).
select v.account_id, (v.checked_in_at at time zone r.time_zone)::date as day
from visits v join reps r on r.user_id = v.rep_id
where v.rep_id = $1
  and (v.checked_in_at at time zone r.time_zone)::date >= $2
  and (v.checked_in_at at time zone r.time_zone)::date < $3;
