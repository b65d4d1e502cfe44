-- name: insert_lead
insert into accounts (name, legal_form, address, address_key, phones, channel, category, tax_id, location,
                      opening_hours_raw, opening_hours_source, status, geocode_source)
values ($1, $2, $3, $4, $5::text[], $6, $7, $8,
        case when $9::float8 is null then null else ST_SetSRID(ST_MakePoint($10::float8, $9::float8), 4326) end,
        $11, $12, 'potential', $13)
returning id;

-- name: insert_lead_source
insert into account_sources (account_id, source, external_id) values ($1, 'api', $2);

-- name: insert_lead_hours
insert into account_opening_hours (account_id, weekday, open_s, close_s)
select $1, (w ->> 0)::smallint, (w ->> 1)::int, (w ->> 2)::int from jsonb_array_elements($2::jsonb) as w
on conflict do nothing;

-- name: lead_placement
select a.id, a.name, a.status, a.territory_id, t.owner_rep_id, t.backup_rep_id, a.location is null as needs_geocoding,
       a.geocode_status
from accounts a left join territories t on t.id = a.territory_id
where a.id = $1;

-- name: queue_review
insert into duplicate_candidates (account_a_id, account_b_id, score, signals)
values (least($1::bigint, $2::bigint), greatest($1::bigint, $2::bigint), $3, $4::jsonb)
on conflict (account_a_id, account_b_id) do nothing;

-- name: list_unassigned
-- Accounts outside every territory (and those assigned by hand, flagged), not closed; keyset on id.
select a.id, a.name, a.address, a.channel, a.status, ST_Y(a.location) as lat, ST_X(a.location) as lon,
       a.territory_manual, a.geocode_status, a.geocode_precision,
       case when a.location is null then a.geocode_lat end as suggested_lat,
       case when a.location is null then a.geocode_lon end as suggested_lon
from accounts a
where (a.territory_id is null or ($3::bool and a.territory_manual))
  and a.status <> 'closed'
  and ($1::bigint is null or a.id > $1)
order by a.id
limit $2;

-- name: get_account_for_assignment
select a.id, a.territory_id, a.territory_manual from accounts a where a.id = $1 for update;

-- name: assign_account
update accounts set territory_id = $2, territory_manual = true, territory_assigned_by = $3, updated_at = now()
where id = $1;

-- name: territory_owner
select t.owner_rep_id from territories t where t.id = $1;

