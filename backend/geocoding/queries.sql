-- name: pending
-- Accounts without a place that were never geocoded (or the given ones again).
select a.id, a.name, a.address
from accounts a
where a.location is null
  and (case when $1::bigint[] is null then a.geocode_status is null else a.id = any($1::bigint[]) end)
order by a.id
limit $2;

-- name: save_results
-- Placed rows get their location (the territory trigger then puts them in a territory); the others
-- keep none and carry the suggestion for a person to confirm.
update accounts a
set location = case when s.status = 'placed' then ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) else a.location end,
    geocode_status = s.status, geocode_source = s.source, geocode_precision = s.precision,
    geocode_lat = s.lat, geocode_lon = s.lon, geocoded_at = now(),
    address = coalesce(a.address, s.label)
from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[])
  as s(id, status, source, precision, lat, lon, label)
where a.id = s.id;

-- name: territory_count
select count(*) from accounts where id = any($1::bigint[]) and territory_id is not null;
