-- Every query takes the caller's role ($1) and id ($2) and reads the reps of visible_rep_ids($1, $2)
-- (migration 0007). $3 is a local day of the rep's time zone, $4 an
-- optional rep id. "Published" is the highest version of a rep's route for the day.

-- name: team_reps
select u.id, u.name, u.email from users u
where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
order by u.name, u.id;

-- name: route_stops_of_day
with scope as (
    select u.id, u.name from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
      and ($4::bigint is null or u.id = $4)
), published as (
    select distinct on (r.rep_id) r.id, r.rep_id, r.day, r.version, r.travel_s, r.distance_m, r.start_s, r.end_s
    from routes r join scope on scope.id = r.rep_id
    where r.day = $3::date
    order by r.rep_id, r.version desc
)
select p.id as route_id, p.rep_id, scope.name as rep_name, p.version, p.travel_s, p.distance_m,
       p.start_s as route_start_s, p.end_s as route_end_s,
       ST_Y(rp.home) as home_lat, ST_X(rp.home) as home_lon,
       s.seq, s.account_id, a.name as account_name, a.address, ST_Y(a.location) as lat, ST_X(a.location) as lon,
       s.source, s.arrival_s, s.start_s, s.end_s, s.window_start_s, s.window_end_s,
       exists (
           select 1 from visits v
           where v.rep_id = p.rep_id and v.account_id = s.account_id
             and (v.checked_in_at at time zone coalesce(rp.time_zone, 'UTC'))::date = p.day
       ) as visited
from published p
join scope on scope.id = p.rep_id
left join reps rp on rp.user_id = p.rep_id
join route_stops s on s.route_id = p.id
join accounts a on a.id = s.account_id
order by p.rep_id, s.seq;

-- name: road_paths_of_day
-- The road line of each published route of the day that has one (migration 0026), as GeoJSON.
with scope as (
    select u.id from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
      and ($4::bigint is null or u.id = $4)
), published as (
    select distinct on (r.rep_id) r.id, r.road_path
    from routes r join scope on scope.id = r.rep_id
    where r.day = $3::date
    order by r.rep_id, r.version desc
)
select p.id as route_id, ST_AsGeoJSON(p.road_path, 6) as geojson
from published p
where p.road_path is not null;

-- name: visits_of_day
-- Check-ins on the local day with the account, checklists (answers, score) and photo ids, and the
-- visit's place in the day's plan (day_plan_stops, migration 0009): `planned` (a stop of the route as
-- published at the start of the day, with its number there), `added` during the day, `removed`, or
-- `off_plan`; a re-plan does not change it.
with plan as (
    select * from day_plan_stops($3::date, $3::date)
), scope as (
    select u.id, u.name from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
      and ($4::bigint is null or u.id = $4)
)
select v.id, v.rep_id, scope.name as rep_name, v.account_id, a.name as account_name, a.address,
       ST_Y(a.location) as account_lat, ST_X(a.location) as account_lon,
       ST_Y(v.check_in_location) as lat, ST_X(v.check_in_location) as lon,
       v.checked_in_at, v.checked_out_at, v.check_in_distance_m as distance_m, v.check_in_accuracy_m as accuracy_m,
       v.flags, plan.route_id, plan.seq as route_stop_seq,
       case when plan.account_id is null then 'off_plan' when plan.removed_reason is not null then 'removed'
            when plan.in_plan then 'planned' else 'added' end as plan_status,
       v.check_in_reason as reason,
       coalesce((select jsonb_agg(jsonb_build_object('template_id', t.id, 'template_code', t.code, 'template_version', t.version,
                                                     'template_name', t.name,
                                                     'score_pct', c.score_pct::float8, 'answers', c.answers)
                                  order by t.code, c.template_id)
                 from visit_checklists c join checklist_templates t on t.id = c.template_id
                 where c.visit_id = v.id), '[]'::jsonb) as checklists,
       coalesce((select jsonb_agg(jsonb_build_object('id', ph.id, 'item_key', ph.item_key, 'flags', ph.flags)
                                  order by ph.received_at, ph.id)
                 from visit_photos ph where ph.visit_id = v.id and ph.rep_id = v.rep_id), '[]'::jsonb) as photos
from visits v
join scope on scope.id = v.rep_id
left join reps rp on rp.user_id = v.rep_id
join accounts a on a.id = v.account_id
left join plan on plan.rep_id = v.rep_id and plan.account_id = v.account_id
where v.checked_in_at >= ($3::date - 1)::timestamp at time zone 'UTC'
  and v.checked_in_at < ($3::date + 2)::timestamp at time zone 'UTC'
  and (v.checked_in_at at time zone coalesce(rp.time_zone, 'UTC'))::date = $3::date
order by v.rep_id, v.checked_in_at, v.id;

-- name: due_not_visited
-- Accounts due on the day (stops of the published route, and visits the planner left off it) that
-- the rep did not check in at that local day, with the cause.
with scope as (
    select u.id, u.name from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
      and ($4::bigint is null or u.id = $4)
), published as (
    select distinct on (r.rep_id) r.id, r.rep_id, r.day, r.unassigned
    from routes r join scope on scope.id = r.rep_id
    where r.day = $3::date
    order by r.rep_id, r.version desc
), due as (
    select p.rep_id, p.day, s.account_id, s.seq, null::text as reason from published p
    join route_stops s on s.route_id = p.id
    union all
    select p.rep_id, p.day, (d.item ->> 'account_id')::bigint, null::integer, coalesce(d.item ->> 'reason', 'unknown')
    from published p cross join lateral jsonb_array_elements(p.unassigned) as d(item)
)
select due.rep_id, scope.name as rep_name, due.account_id, a.name as account_name, a.address,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, due.seq, due.reason,
       case when due.reason = 'closed' or (due.reason is null and a.status = 'closed') then 'closed'
            when due.reason is null then 'not_visited'
            else 'dropped_by_planner' end as cause
from due
join scope on scope.id = due.rep_id
left join reps rp on rp.user_id = due.rep_id
join accounts a on a.id = due.account_id
where a.location is not null
  and not exists (
      select 1 from visits v
      where v.rep_id = due.rep_id and v.account_id = due.account_id
        and (v.checked_in_at at time zone coalesce(rp.time_zone, 'UTC'))::date = due.day)
order by due.rep_id, due.seq nulls last, due.account_id;

-- name: territories_in_scope
select t.id, t.code, t.name, t.region, t.owner_rep_id, o.name as owner_name,
       ST_AsGeoJSON(t.geom, 6)::jsonb as geometry
from territories t left join users o on o.id = t.owner_rep_id
where t.id in (select visible_territory_ids($1, $2))
order by t.code;
