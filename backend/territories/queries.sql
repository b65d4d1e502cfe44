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
-- Outlets per territory (in $1) and channel over local days [$2, $3], by the one definition of
-- migration 0009: potential base, active base (of the potential base), visited (any status).
with potential as (select potential_base_account_ids() as id),
active as (select active_account_ids($2::date, $3::date) as id),
visited as (select visited_account_ids($2::date, $3::date) as id)
select t.id as territory_id, t.code, t.name, t.owner_rep_id, a.channel,
       count(a.id) as total,
       count(a.id) filter (where a.id in (select id from potential)) as potential,
       count(a.id) filter (where a.id in (select id from potential) and a.id in (select id from active)) as active,
       count(a.id) filter (where a.status = 'closed') as closed,
       count(a.id) filter (where a.id is not null and a.location is null) as needs_geocoding,
       count(a.id) filter (where a.id in (select id from visited)) as visited
from territories t
left join accounts a on a.territory_id = t.id
where t.id = any($1::bigint[])
group by t.id, t.code, t.name, t.owner_rep_id, a.channel
order by t.id, a.channel;

-- name: coverage_unassigned
with potential as (select potential_base_account_ids() as id),
active as (select active_account_ids($1::date, $2::date) as id),
visited as (select visited_account_ids($1::date, $2::date) as id)
select a.channel,
       count(*) as total,
       count(*) filter (where a.id in (select id from potential)) as potential,
       count(*) filter (where a.id in (select id from potential) and a.id in (select id from active)) as active,
       count(*) filter (where a.status = 'closed') as closed,
       count(*) filter (where a.location is null) as needs_geocoding,
       count(*) filter (where a.id in (select id from visited)) as visited
from accounts a
where a.territory_id is null
group by a.channel
order by a.channel;

-- name: assign_owner
-- The territory with code $1 is owned by rep $2 from now on; returns its id (none: no such code).
update territories set owner_rep_id = $2, updated_at = now() where code = $1 returning id;
