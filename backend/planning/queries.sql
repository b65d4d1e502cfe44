-- name: rep_planning_profile
select u.id as rep_id, u.email, ST_Y(r.home) as home_lat, ST_X(r.home) as home_lon, r.shift_start_s,
       r.shift_end_s, r.time_zone, r.travel_mode, r.working_days::int[] as working_days
from users u join reps r on r.user_id = u.id
where u.id = $1 and u.role = 'rep' and u.is_active;

-- name: plannable_reps
select u.id from users u join reps r on r.user_id = u.id where u.role = 'rep' and u.is_active order by u.id;

-- name: schedule_occurrences
-- Visits due on a day in [$2, $3] by the rep's newest schedule covering that day, with what planning
-- needs; opening hours are those of the weekday of $4 (the day being planned).
select distinct on (sv.day, a.id) a.id as account_id, a.name, ST_Y(a.location) as lat, ST_X(a.location) as lon,
       a.service_s, a.account_class, a.visit_frequency_per_4_weeks as frequency, sv.day as due_day,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $4::date)),
                '[]'::jsonb) as opening
from scheduled_visits sv
join schedules s on s.id = sv.schedule_id
join accounts a on a.id = sv.account_id
where s.rep_id = $1 and sv.day between $2::date and $3::date and a.status <> 'closed'
  and s.id = (select s2.id from schedules s2
              where s2.rep_id = $1 and s2.start_day <= sv.day and s2.end_day > sv.day
              order by s2.created_at desc, s2.id desc limit 1)
order by sv.day, a.id;

-- name: stops_of_recent_routes
-- Stops of the published (newest) route of each of the rep's days in [$2, $3): candidates to carry over.
with newest as (
    select distinct on (day) id, day from routes
    where rep_id = $1 and day >= $2 and day < $3
    order by day, version desc
)
select s.account_id, s.due_day, newest.day as route_day, s.source, a.name, ST_Y(a.location) as lat, ST_X(a.location) as lon,
       a.service_s, a.account_class, a.visit_frequency_per_4_weeks as frequency,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $3::date)),
                '[]'::jsonb) as opening
from newest join route_stops s on s.route_id = newest.id
join accounts a on a.id = s.account_id
where s.source in ('schedule', 'carried_over') and a.status <> 'closed'
order by s.account_id, newest.day;

-- name: tasks_for_day
select t.id as task_id, t.kind, t.start_s, t.priority, a.id as account_id, a.name, ST_Y(a.location) as lat,
       ST_X(a.location) as lon, a.service_s, a.account_class, a.visit_frequency_per_4_weeks as frequency,
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
select id, version, inputs_hash, run_id, kind, published_at from routes
where rep_id = $1 and day = $2 order by version desc limit 1;

-- name: newest_route_account_ids
select s.account_id from route_stops s
where s.route_id = $1 order by s.seq;

-- name: insert_route
-- $13: the road line as WKT (lon lat pairs), or null.
insert into routes (rep_id, day, version, kind, run_id, inputs_hash, start_s, end_s, travel_s, distance_m, unassigned,
                    published_at, road_path)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ST_GeomFromText($13, 4326))
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
       ST_X(a.location) as lon, a.service_s, a.account_class, a.visit_frequency_per_4_weeks as frequency,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $2::date)),
                '[]'::jsonb) as opening
from route_stops s join accounts a on a.id = s.account_id
where s.route_id = $1
order by s.seq;

-- name: visit_days
-- Local days in [$2, $3] on which anyone checked in at each of the accounts $1 (a flagged visit still
-- counts as made; a visit by the backup rep satisfies the owner's due visit too).
select v.account_id, (v.checked_in_at at time zone coalesce(r.time_zone, 'UTC'))::date as day
from visits v left join reps r on r.user_id = v.rep_id
where v.account_id = any($1::bigint[])
  and v.checked_in_at >= ($2::date - 1)::timestamp at time zone 'UTC'
  and v.checked_in_at < ($3::date + 2)::timestamp at time zone 'UTC'
  and (v.checked_in_at at time zone coalesce(r.time_zone, 'UTC'))::date between $2::date and $3::date;

-- name: last_check_in_of_day
-- Where and when the rep last checked in on local day $2 (a same-day plan starts from there).
select ST_Y(v.check_in_location) as lat, ST_X(v.check_in_location) as lon, v.checked_in_at, v.checked_out_at
from visits v join reps r on r.user_id = v.rep_id
where v.rep_id = $1
  and v.checked_in_at >= ($2::date - 1)::timestamp at time zone 'UTC'
  and v.checked_in_at < ($2::date + 2)::timestamp at time zone 'UTC'
  and (v.checked_in_at at time zone r.time_zone)::date = $2::date
order by v.checked_in_at desc limit 1;

-- name: rep_day_calendar
-- Whether a public holiday (everyone's, or one of the rep's territories' region) or an absence of
-- the rep falls on $2, and how many territories the rep owns or backs up.
select exists (select 1 from holidays h
               where h.day = $2 and (h.region is null
                     or h.region in (select t.region from territories t where t.owner_rep_id = $1))) as holiday,
       exists (select 1 from rep_absences x where x.rep_id = $1 and $2 between x.first_day and x.last_day) as absent,
       (select count(*) from visible_territory_ids('rep', $1))::int as territories;

-- name: insert_removal
-- A stop taken off the day's plan, with a reason; the first reason recorded stays.
insert into route_stop_removals (rep_id, day, account_id, reason, removed_by, removed_at)
values ($1, $2, $3, $4, $5, $6)
on conflict (rep_id, day, account_id) do nothing;

-- name: handover_receivers
-- Who takes an absent rep's visits of day $2: the backup reps of the territories they own, else the
-- $3 other active reps of their team (same supervisor) whose homes are nearest the absent rep's (a
-- whole large team in one multi-rep solve would hold the supervisor's request for minutes); only reps
-- who are not absent that day.
with available as (
    select u.id as rep_id, r.home from users u join reps r on r.user_id = u.id
    where u.is_active and u.role = 'rep' and u.id <> $1
      and not exists (select 1 from rep_absences x where x.rep_id = u.id and $2 between x.first_day and x.last_day)
), backups as (
    select distinct a.rep_id from territories t join available a on a.rep_id = t.backup_rep_id
    where t.owner_rep_id = $1
), team as (
    select a.rep_id from available a
    join users u on u.id = a.rep_id join users me on me.id = $1
    left join reps mine on mine.user_id = $1
    where u.supervisor_id = me.supervisor_id
    order by ST_Distance(a.home::geography, mine.home::geography) nulls last, a.rep_id
    limit $3
)
select rep_id from backups
union
select rep_id from team where not exists (select 1 from backups)
order by rep_id;

-- name: handover_stops
-- Visits handed over to the rep for day $2 (an absent colleague's): due that day only.
with newest as (
    select id from routes where rep_id = $1 and day = $2 order by version desc limit 1
)
select s.account_id, s.due_day, s.priority, a.name, ST_Y(a.location) as lat, ST_X(a.location) as lon,
       a.service_s, a.account_class, a.visit_frequency_per_4_weeks as frequency,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $2::date)),
                '[]'::jsonb) as opening
from newest join route_stops s on s.route_id = newest.id
join accounts a on a.id = s.account_id
where s.source = 'handover' and a.status <> 'closed'
order by s.account_id;

-- name: route_stop_accounts
-- The accounts of a route's stops with their source, in order.
select s.account_id, s.source from route_stops s where s.route_id = $1 order by s.seq;

-- name: removed_accounts
-- Accounts taken off the rep's plan of day $2 (by a supervisor or a withdrawal): not due that day.
select account_id, reason from route_stop_removals where rep_id = $1 and day = $2 order by account_id;

-- name: copy_route_without
-- A new version ($2) of route $1 without account $3's stop, published at $4; the other stops keep
-- their times (a re-plan re-sequences them).
with new_route as (
    insert into routes (rep_id, day, version, kind, run_id, inputs_hash, start_s, end_s, travel_s, distance_m,
                        unassigned, published_at)
    select r.rep_id, r.day, $2, 'replan', null, r.inputs_hash || ':without:' || $3::bigint, r.start_s, r.end_s,
           r.travel_s, r.distance_m, r.unassigned, $4
    from routes r where r.id = $1
    returning id
), copied_stops as (
    insert into route_stops (route_id, seq, account_id, source, due_day, priority, arrival_s, start_s, end_s, service_s,
                             travel_from_previous_s, window_start_s, window_end_s, pinned_start_s)
    select n.id, row_number() over (order by s.seq), s.account_id, s.source, s.due_day, s.priority, s.arrival_s,
           s.start_s, s.end_s, s.service_s, s.travel_from_previous_s, s.window_start_s, s.window_end_s, s.pinned_start_s
    from route_stops s cross join new_route n
    where s.route_id = $1 and s.account_id <> $3
), copied_breaks as (
    insert into route_breaks (route_id, start_s, end_s)
    select n.id, b.start_s, b.end_s from route_breaks b cross join new_route n where b.route_id = $1
)
select id from new_route;
