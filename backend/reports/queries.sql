-- Every query takes the caller's role ($1) and id ($2) and reads the reps of visible_rep_ids($1, $2)
-- (migration 0007). Days ($3, $4) are local days of the rep's time zone.
-- "Published" is the highest version of a rep's route for a day.

-- name: published_routes
with scope as (
    select u.id, u.name from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
)
select distinct on (r.rep_id, r.day) r.id as route_id, r.rep_id, scope.name as rep_name, r.day, r.travel_s,
       r.distance_m
from routes r join scope on scope.id = r.rep_id
where r.day between $3::date and $4::date
order by r.rep_id, r.day, r.version desc;

-- name: planned_stops
-- The stops of the published routes, with the account's keys for grouping.
with scope as (
    select u.id, u.name from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
), published as (
    select distinct on (r.rep_id, r.day) r.id, r.rep_id, scope.name as rep_name, r.day
    from routes r join scope on scope.id = r.rep_id
    where r.day between $3::date and $4::date
    order by r.rep_id, r.day, r.version desc
)
select p.id as route_id, p.rep_id, p.rep_name, p.day, s.seq, s.account_id, a.status as account_status,
       a.channel, a.territory_id, t.code as territory_code, t.name as territory_name, t.region,
       s.start_s, s.window_start_s, s.window_end_s
from published p
join route_stops s on s.route_id = p.id
join accounts a on a.id = s.account_id
left join territories t on t.id = a.territory_id
order by p.rep_id, p.day, s.seq;

-- name: dropped_visits
-- Visits due on a published route's day that the planner left off it (routes.unassigned), with reason.
with scope as (
    select u.id, u.name from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
), published as (
    select distinct on (r.rep_id, r.day) r.id, r.rep_id, scope.name as rep_name, r.day, r.unassigned
    from routes r join scope on scope.id = r.rep_id
    where r.day between $3::date and $4::date
    order by r.rep_id, r.day, r.version desc
)
select p.id as route_id, p.rep_id, p.rep_name, p.day, (d.item ->> 'account_id')::bigint as account_id,
       coalesce(d.item ->> 'reason', 'unknown') as reason, a.channel, a.territory_id, t.code as territory_code,
       t.name as territory_name, t.region
from published p
cross join lateral jsonb_array_elements(p.unassigned) as d(item)
join accounts a on a.id = (d.item ->> 'account_id')::bigint
left join territories t on t.id = a.territory_id
order by p.rep_id, p.day, account_id;

-- name: visits_in_range
-- Visits of reps in scope whose check-in falls on a local day in [$3, $4] (device clock), with the
-- check-in point, the local time of day and the checklist scores.
with scope as (
    select u.id, u.name from users u
    where u.role = 'rep' and u.id in (select visible_rep_ids($1, $2))
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
-- Per territory in scope: all outlets -> potential (not closed) -> active -> active ones visited
-- (by anyone) on a local day in [$3, $4].
with terr as (
    select t.id, t.code, t.name, t.region from territories t
    where t.id in (select visible_territory_ids($1, $2))
), visited as (
    select distinct v.account_id from visits v left join reps rp on rp.user_id = v.rep_id
    where v.checked_in_at >= ($3::date - 1)::timestamp at time zone 'UTC'
      and v.checked_in_at < ($4::date + 2)::timestamp at time zone 'UTC'
      and (v.checked_in_at at time zone coalesce(rp.time_zone, 'UTC'))::date between $3::date and $4::date
)
select terr.id as territory_id, terr.code, terr.name, terr.region,
       count(a.id)::int as outlets,
       (count(a.id) filter (where a.status <> 'closed'))::int as potential,
       (count(a.id) filter (where a.status = 'active'))::int as active,
       (count(a.id) filter (where a.status = 'active' and visited.account_id is not null))::int as visited
from terr
left join accounts a on a.territory_id = terr.id
left join visited on visited.account_id = a.id
group by terr.id, terr.code, terr.name, terr.region
order by terr.code;
