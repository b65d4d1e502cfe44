-- name: find_sources
-- Which (source, external id) pairs are stored already, with the content they had.
select s.source, s.external_id, a.account_id, a.content_hash
from unnest($1::text[], $2::text[]) as s(source, external_id)
join account_sources a on a.source = s.source and a.external_id = s.external_id;

-- name: allocate_account_ids
select nextval(pg_get_serial_sequence('accounts', 'id')) as id from generate_series(1, $1::int);

-- name: insert_accounts
-- Golden records with ids allocated beforehand; phones as comma-joined E.164 numbers.
insert into accounts (id, name, legal_form, address, address_key, phones, tax_id, branch_code, location, channel,
                      category, account_class, status, opening_hours_raw, opening_hours_source, geocode_source)
overriding system value
select s.id, s.name, s.legal_form, s.address, s.address_key, coalesce(string_to_array(nullif(s.phones, ''), ','), '{}'),
       s.tax_id, s.branch_code,
       case when s.lat is null then null else ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) end,
       s.channel, s.category, s.account_class, s.status, s.hours_raw,
       case when s.has_hours then 'import' else 'channel_default' end,
       case when s.lat is null then null else 'given' end
from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::float8[], $10::float8[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
            $16::bool[])
  as s(id, name, legal_form, address, address_key, phones, tax_id, branch_code, lat, lon, channel, category,
       account_class, status, hours_raw, has_hours);

-- name: insert_opening_hours
insert into account_opening_hours (account_id, weekday, open_s, close_s)
select * from unnest($1::bigint[], $2::smallint[], $3::int[], $4::int[])
on conflict do nothing;

-- name: delete_opening_hours
delete from account_opening_hours where account_id = any($1::bigint[]);

-- name: insert_sources
insert into account_sources (account_id, source, external_id, file_name, row_number, content_hash, import_id)
select s.account_id, s.source, s.external_id, s.file_name, s.row_number, s.content_hash, $7::bigint
from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
  as s(account_id, source, external_id, file_name, row_number, content_hash)
returning id, source, external_id;

-- name: update_source
update account_sources
set content_hash = $3, file_name = $4, row_number = $5, import_id = $6, imported_at = now()
where source = $1 and external_id = $2;

-- name: update_account
-- New content for an account from its own source row (same source + external id, changed content).
update accounts
set name = $2, legal_form = $3, address = $4, address_key = $5, phones = $6::text[], tax_id = $7, branch_code = $8,
    location = case when $9::float8 is null then location else ST_SetSRID(ST_MakePoint($10::float8, $9::float8), 4326) end,
    channel = $11, category = $12, account_class = $13, status = $14, opening_hours_raw = $15,
    opening_hours_source = case when $16::bool then 'import' else opening_hours_source end,
    updated_at = now()
where id = $1;

-- name: account_snapshot
-- Everything a merge may change on the golden record, to restore it on undo.
select a.name, a.legal_form, a.address, a.address_key, a.phones, a.tax_id, a.branch_code,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, a.channel, a.category, a.account_class, a.status,
       a.opening_hours_raw, a.opening_hours_source,
       coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                 from account_opening_hours h where h.account_id = a.id), '[]'::jsonb) as opening_hours
from accounts a
where a.id = $1;

-- name: account_snapshots
-- account_snapshot of many accounts at once, with their ids.
select a.id, a.name, a.legal_form, a.address, a.address_key, a.phones, a.tax_id, a.branch_code,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, a.channel, a.category, a.account_class, a.status,
       a.opening_hours_raw, a.opening_hours_source,
       coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                 from account_opening_hours h where h.account_id = a.id), '[]'::jsonb) as opening_hours
from accounts a
where a.id = any($1::bigint[]);

-- name: fill_accounts
-- fill_account for many distinct accounts at once (phones as comma-joined E.164 numbers).
update accounts a
set address = coalesce(a.address, s.address), address_key = coalesce(a.address_key, s.address_key),
    phones = array(select distinct p from unnest(a.phones || coalesce(string_to_array(nullif(s.phones, ''), ','),
                                                                      '{}')) as p order by p),
    tax_id = coalesce(a.tax_id, s.tax_id), branch_code = coalesce(a.branch_code, s.branch_code),
    location = coalesce(a.location, case when s.lat is null then null
                                         else ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) end),
    legal_form = coalesce(a.legal_form, s.legal_form), opening_hours_raw = coalesce(a.opening_hours_raw, s.hours_raw),
    updated_at = now()
from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
            $9::text[], $10::text[])
  as s(id, address, address_key, phones, tax_id, branch_code, lat, lon, legal_form, hours_raw)
where a.id = s.id;

-- name: fill_account
-- Merge a file row into a stored account: keep what is there, fill what is missing, add phones.
update accounts
set address = coalesce(address, $2), address_key = coalesce(address_key, $3),
    phones = array(select distinct p from unnest(phones || $4::text[]) as p order by p),
    tax_id = coalesce(tax_id, $5), branch_code = coalesce(branch_code, $6),
    location = coalesce(location, case when $7::float8 is null then null
                                       else ST_SetSRID(ST_MakePoint($8::float8, $7::float8), 4326) end),
    legal_form = coalesce(legal_form, $9), opening_hours_raw = coalesce(opening_hours_raw, $10),
    updated_at = now()
where id = $1;

-- name: insert_merge
insert into account_merges (winner_id, loser_id, loser_snapshot, winner_before, source_ids, score, signals, kind,
                            decided_by)
values ($1, $2, $3::jsonb, $4::jsonb, $5::bigint[], $6, $7::jsonb, $8, $9)
returning id;

-- name: insert_import
insert into imports (source, created_by, files, summary, rejected)
values ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb)
returning id;

-- name: update_import_summary
update imports set summary = $2::jsonb where id = $1;

-- name: upsert_legal_entities
-- One legal entity per tax id (named after its first account); link_legal_entities then links the
-- accounts sharing the tax id to it (a chain's outlets).
insert into legal_entities (tax_id, name)
select distinct on (a.tax_id) a.tax_id, a.name from accounts a
where a.tax_id = any($1::text[])
order by a.tax_id, a.id
on conflict (tax_id) do nothing;

-- name: link_legal_entities
update accounts a set legal_entity_id = le.id
from legal_entities le
where a.tax_id = le.tax_id and a.tax_id = any($1::text[]) and a.legal_entity_id is distinct from le.id;

-- name: insert_review_pairs
insert into duplicate_candidates (account_a_id, account_b_id, score, signals)
select least(s.a, s.b), greatest(s.a, s.b), s.score, s.signals
from unnest($1::bigint[], $2::bigint[], $3::real[], $4::jsonb[]) as s(a, b, score, signals)
where s.a <> s.b
on conflict (account_a_id, account_b_id) do nothing;

-- name: territory_split
select count(*) filter (where territory_id is not null) as assigned,
       count(*) filter (where territory_id is null) as unassigned
from accounts where id = any($1::bigint[]);
