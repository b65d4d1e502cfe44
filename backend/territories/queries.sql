-- name: list_visible_territories
select t.id, t.code, t.name, t.region, t.owner_rep_id, t.backup_rep_id,
       (select count(*) from accounts a where a.territory_id = t.id) as account_count,
       ST_AsGeoJSON(t.geom, 7)::jsonb as geometry
from territories t
where t.id in (select visible_territory_ids($1, $2))
order by t.id;

-- name: get_territory_for_update
select t.id, t.code, t.name, t.region, t.owner_rep_id, t.backup_rep_id
from territories t where t.id = $1
for update;

-- name: territory_code
select code from territories where id = $1;

-- name: update_territory
-- A new boundary (WKT, EPSG:4326), name and reps; the statement trigger re-derives accounts.
update territories
set geom = case when $2::text is null then geom else ST_Multi(ST_GeomFromText($2, 4326)) end,
    name = $3, owner_rep_id = $4, backup_rep_id = $5, updated_at = now()
where id = $1;

-- name: other_territory_geometries
select t.id, t.code, ST_AsBinary(t.geom) as wkb from territories t where t.id <> $1 order by t.id;

-- name: account_territories
-- Where the accounts a boundary change may move are now.
select a.id, a.territory_id
from accounts a
where a.territory_id = $1
   or ($2::text is not null and a.location is not null and ST_Covers(ST_GeomFromText($2, 4326), a.location))
   or ($3::text is not null and a.location is not null and ST_Covers(ST_GeomFromText($3, 4326), a.location));

-- name: territory_of_accounts
select a.id, a.territory_id from accounts a where a.id = any($1::bigint[]);

-- name: users_by_email
select u.id, u.email, u.role from users u where u.email = any($1::text[]);

-- name: user_roles
select u.id, u.role from users u where u.id = any($1::bigint[]);

-- name: upsert_territory
insert into territories (code, name, region, geom, owner_rep_id, backup_rep_id)
values ($1, $2, $3, ST_Multi(ST_GeomFromText($4, 4326)), $5, $6)
on conflict (code) do update
set name = excluded.name, region = coalesce(excluded.region, territories.region), geom = excluded.geom,
    owner_rep_id = coalesce(excluded.owner_rep_id, territories.owner_rep_id),
    backup_rep_id = coalesce(excluded.backup_rep_id, territories.backup_rep_id), updated_at = now()
where territories.geom is distinct from excluded.geom or territories.name is distinct from excluded.name
   or territories.owner_rep_id is distinct from coalesce(excluded.owner_rep_id, territories.owner_rep_id)
   or territories.backup_rep_id is distinct from coalesce(excluded.backup_rep_id, territories.backup_rep_id)
returning id, (xmax = 0) as inserted;

-- name: count_unassigned
select count(*) from accounts where territory_id is null and location is not null;

-- name: coverage
-- Outlets per territory and channel. Active: status 'active' or a visit checked in during the last
-- $2 days (orders are not stored per account). Visited this cycle: a visit in the last $3 days.
with recent as (
    select v.account_id, max(v.checked_in_at) as last_visit_at
    from visits v
    where v.checked_in_at >= now() - make_interval(days => greatest($2::int, $3::int))
    group by v.account_id
)
select t.id as territory_id, t.code, t.name, t.owner_rep_id, a.channel,
       count(a.id) as total,
       count(a.id) filter (where a.status = 'potential'
                             and (r.last_visit_at is null or r.last_visit_at < now() - make_interval(days => $2::int)))
           as potential,
       count(a.id) filter (where a.status = 'active'
                             or r.last_visit_at >= now() - make_interval(days => $2::int)) as active,
       count(a.id) filter (where a.status = 'closed') as closed,
       count(a.id) filter (where a.id is not null and a.location is null) as needs_geocoding,
       count(a.id) filter (where r.last_visit_at >= now() - make_interval(days => $3::int)) as visited_this_cycle
from territories t
left join accounts a on a.territory_id = t.id
left join recent r on r.account_id = a.id
where t.id = any($1::bigint[])
group by t.id, t.code, t.name, t.owner_rep_id, a.channel
order by t.id, a.channel;

-- name: coverage_unassigned
with recent as (
    select v.account_id, max(v.checked_in_at) as last_visit_at
    from visits v
    where v.checked_in_at >= now() - make_interval(days => greatest($1::int, $2::int))
    group by v.account_id
)
select a.channel,
       count(*) as total,
       count(*) filter (where a.status = 'potential'
                          and (r.last_visit_at is null or r.last_visit_at < now() - make_interval(days => $1::int)))
           as potential,
       count(*) filter (where a.status = 'active' or r.last_visit_at >= now() - make_interval(days => $1::int))
           as active,
       count(*) filter (where a.status = 'closed') as closed,
       count(*) filter (where a.location is null) as needs_geocoding,
       count(*) filter (where r.last_visit_at >= now() - make_interval(days => $2::int)) as visited_this_cycle
from accounts a
left join recent r on r.account_id = a.id
where a.territory_id is null
group by a.channel
order by a.channel;
