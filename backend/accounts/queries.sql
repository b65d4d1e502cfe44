-- name: list_accounts_by_name
-- The accounts the caller works (visible_account_ids: their territories', their book, their deals'),
-- of one territory when $1 is given. For an admin the repository swaps the scope line for "every
-- account" (building the set of every id costs far more than scanning; an OR here would stop the
-- planner from turning the IN into a semi-join for everyone else).
select a.id, a.name, a.address, a.phones, a.channel, a.category, a.account_class, a.status,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, a.territory_id, a.opening_hours_raw,
       a.service_s, a.visit_frequency_per_4_weeks, null::float8 as distance_m,
       coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                 from account_opening_hours h where h.account_id = a.id), '[]'::jsonb) as opening_hours
from accounts a
where a.id in (select visible_account_ids($10::text, $11::bigint))
  and ($1::bigint is null or a.territory_id = $1)
  and ($2::text is null or a.channel = $2)
  and ($3::text is null or a.account_class = $3)
  and ($4::text is null or a.status = $4)
  and ($5::text is null or strpos(lower(a.name), lower($5)) > 0)
  and ($6::text is null or (a.name, a.id) > ($6::text, $7::bigint))
  and ($9::bigint is null or a.id in (select m.account_id from segment_members m where m.segment_id = $9))
order by a.name, a.id
limit $8;

-- name: list_accounts_by_distance
-- KNN on the geography index: true metres, nearest first; keyset on (distance, id). Scope as above.
with here as (select ST_SetSRID(ST_MakePoint($9::float8, $8::float8), 4326)::geography as point)
select a.id, a.name, a.address, a.phones, a.channel, a.category, a.account_class, a.status,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, a.territory_id, a.opening_hours_raw,
       a.service_s, a.visit_frequency_per_4_weeks,
       (a.location::geography <-> here.point) as distance_m,
       coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                 from account_opening_hours h where h.account_id = a.id), '[]'::jsonb) as opening_hours
from accounts a, here
where a.id in (select visible_account_ids($12::text, $13::bigint))
  and ($1::bigint is null or a.territory_id = $1)
  and a.location is not null
  and ($2::text is null or a.channel = $2)
  and ($3::text is null or a.account_class = $3)
  and ($4::text is null or a.status = $4)
  and ($5::text is null or strpos(lower(a.name), lower($5)) > 0)
  and ($6::float8 is null or ((a.location::geography <-> here.point), a.id) > ($6::float8, $7::bigint))
  and ($11::bigint is null or a.id in (select m.account_id from segment_members m where m.segment_id = $11))
order by a.location::geography <-> here.point, a.id
limit $10;
