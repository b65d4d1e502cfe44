-- Every query takes the caller's role ($1) and id ($2): the reps in scope are visible_rep_ids
-- (migration 0007). Days ($3, $4) are local days of the rep's time zone. The plan of a rep's day is
-- day_plan_baselines / day_plan_stops (migration 0009): the route as published at the start of the
-- day, plus stops added during the day (kept apart), minus stops removed with a reason.

-- name: published_routes
-- The route of each rep-day as published at the start of the day (its planned travel).
with scope as (
    select u.id, u.name from users u where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
)
select r.id as route_id, r.rep_id, scope.name as rep_name, r.day, r.travel_s, r.distance_m
from day_plan_baselines($3::date, $4::date) b
join scope on scope.id = b.rep_id
join routes r on r.id = b.route_id
order by r.rep_id, r.day;

-- name: planned_stops
-- Every stop of a day's plan (in_plan) or added during the day, once per account, with the removal
-- reason when it was taken off, and the account's keys for grouping.
with scope as (
    select u.id, u.name from users u where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
)
select p.route_id, p.rep_id, scope.name as rep_name, p.day, p.seq, p.account_id, a.status as account_status,
       a.channel, a.territory_id, t.code as territory_code, t.name as territory_name, t.region,
       p.start_s, p.window_start_s, p.window_end_s, p.in_plan, p.removed_reason
from day_plan_stops($3::date, $4::date) p
join scope on scope.id = p.rep_id
join accounts a on a.id = p.account_id
left join territories t on t.id = a.territory_id
order by p.rep_id, p.day, p.in_plan desc, p.seq, p.account_id;

-- name: dropped_visits
-- Visits due on a day that the plan at the start of the day left off (routes.unassigned), with reason.
with scope as (
    select u.id, u.name from users u where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
)
select r.id as route_id, r.rep_id, scope.name as rep_name, r.day, (d.item ->> 'account_id')::bigint as account_id,
       coalesce(d.item ->> 'reason', 'unknown') as reason, a.channel, a.territory_id, t.code as territory_code,
       t.name as territory_name, t.region
from day_plan_baselines($3::date, $4::date) b
join scope on scope.id = b.rep_id
join routes r on r.id = b.route_id
cross join lateral jsonb_array_elements(r.unassigned) as d(item)
join accounts a on a.id = (d.item ->> 'account_id')::bigint
left join territories t on t.id = a.territory_id
order by r.rep_id, r.day, account_id;

-- name: visits_in_range
-- Visits of reps in scope whose check-in falls on a local day in [$3, $4] (device clock), with the
-- check-in point, the local time of day and the checklist scores.
with scope as (
    select u.id, u.name from users u where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
), local as (
    select v.*, scope.name as rep_name,
           (v.checked_in_at at time zone coalesce(rp.time_zone, 'UTC')) as local_at
    from visits v
    join scope on scope.id = v.rep_id
    left join reps rp on rp.user_id = v.rep_id
    where v.checked_in_at >= ($3::date - 1)::timestamp at time zone 'UTC'
      and v.checked_in_at < ($4::date + 2)::timestamp at time zone 'UTC'
)
select l.id, l.rep_id, l.rep_name, l.account_id, a.channel, a.territory_id, t.code as territory_code,
       t.name as territory_name, t.region, l.local_at::date as day,
       extract(epoch from (l.local_at - l.local_at::date::timestamp))::int as local_start_s,
       l.checked_in_at, l.checked_out_at, l.flags,
       ST_Y(l.check_in_location) as lat, ST_X(l.check_in_location) as lon,
       coalesce((select sum(c.score_pct)::float8 from visit_checklists c where c.visit_id = l.id), 0) as score_sum,
       (select count(c.score_pct)::int from visit_checklists c where c.visit_id = l.id) as score_count
from local l
join accounts a on a.id = l.account_id
left join territories t on t.id = a.territory_id
where l.local_at::date between $3::date and $4::date
order by l.rep_id, l.checked_in_at, l.id;

-- name: coverage_funnel
-- Per territory in scope: all outlets -> potential base -> active base (of the potential base) ->
-- distinct outlets visited on a local day in [$3, $4] (any status, prospects included). The one
-- definition: potential_base_account_ids, active_account_ids, visited_account_ids (migration 0009).
with potential as (select potential_base_account_ids() as id),
active as (select active_account_ids($3::date, $4::date) as id),
visited as (select visited_account_ids($3::date, $4::date) as id)
select t.id as territory_id, t.code, t.name, t.region,
       count(a.id)::int as outlets,
       (count(a.id) filter (where a.id in (select id from potential)))::int as potential,
       (count(a.id) filter (where a.id in (select id from potential) and a.id in (select id from active)))::int
           as active,
       (count(a.id) filter (where a.id in (select id from visited)))::int as visited
from territories t
left join accounts a on a.territory_id = t.id
where t.id in (select visible_territory_ids($1, $2))
group by t.id, t.code, t.name, t.region
order by t.code;
