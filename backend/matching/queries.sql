-- name: stale_keys
-- Accounts whose matching keys are missing or were made by another version of the key functions.
select a.id, a.name, a.address, a.location is not null as located
from accounts a
left join account_match_keys k on k.account_id = a.id
where k.account_id is null or k.version <> $1
order by a.id
limit $2;

-- name: set_keys
insert into account_match_keys (account_id, name_key, address_key, located, version)
select s.id, s.name_key, s.address_key, s.located, $5
from unnest($1::bigint[], $2::text[], $3::text[], $4::bool[]) as s(id, name_key, address_key, located)
on conflict (account_id) do update
set name_key = excluded.name_key, address_key = excluded.address_key, located = excluded.located,
    version = excluded.version;

-- name: candidate_pairs
-- Blocking against the whole base on the indexes: the same tax id, phone or address key (a key held
-- by more than $9 accounts, such as a chain's head-office number, or an address held by more than $11
-- (a shopping centre), is left to the other ways); and,
-- where one side has no place, trigram-similar name keys (GIN, similarity >= $10). Neighbours by
-- place come from located_in_box. $8: the batch record's own account id when the batch is the base
-- itself (never paired with itself).
with b as (
    select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $8::bigint[])
        as b(idx, name_key, address_key, tax_id, lat, lon, self_id)
),
p as (
    select * from unnest($1::int[], $7::text[]) as p(idx, phones_joined)
),
phones as (
    select p.idx, phone from p, unnest(string_to_array(nullif(p.phones_joined, ''), ',')) as phone
),
-- Stored accounts sharing a phone with the batch: one GIN probe per number (a single probe with
-- thousands of numbers costs numbers x matches in GIN's consistency checks: seconds).
phone_hits as (
    select a.id, x.phone from (select distinct phone from phones) x join accounts a on a.phones @> array[x.phone]
),
common_phones as (
    select phone from phone_hits group by phone having count(*) > $9
),
common_taxes as (
    select a.tax_id from accounts a where a.tax_id in (select tax_id from b where tax_id is not null)
    group by a.tax_id having count(*) > $9
),
common_addresses as (
    select k.address_key from account_match_keys k
    where k.address_key in (select address_key from b where address_key <> '')
    group by k.address_key having count(*) > $11
),
pairs as (
    select b.idx, a.id, b.self_id, true as keyed from b join accounts a on a.tax_id = b.tax_id
    where b.tax_id is not null and b.tax_id not in (select tax_id from common_taxes)
    union all
    select ph.idx, h.id, b.self_id, true from phones ph join b on b.idx = ph.idx join phone_hits h on h.phone = ph.phone
    where ph.phone not in (select phone from common_phones)
    union all
    select b.idx, k.account_id, b.self_id, false from b join account_match_keys k on k.address_key = b.address_key
    where b.address_key <> '' and b.address_key not in (select address_key from common_addresses)
    union all
    select b.idx, k.account_id, b.self_id, true from b join account_match_keys k on k.name_key % b.name_key
    where b.lat is null and similarity(k.name_key, b.name_key) >= $10
    union all
    select b.idx, k.account_id, b.self_id, true from b join account_match_keys k on not k.located and k.name_key % b.name_key
    where b.lat is not null and similarity(k.name_key, b.name_key) >= $10
)
-- keyed: found by tax id, phone or similar name; else by address only (the caller checks the names).
select idx, id, bool_or(keyed) as keyed from pairs where id is distinct from self_id group by idx, id;

-- name: located_in_box
-- Blocking by place: the stored accounts inside the batch's area, with their name keys (one scan of
-- the GiST index); joined to the batch on a grid in memory (geo_data.dedupe.block_pairs_between).
select a.id, k.name_key, ST_Y(a.location) as lat, ST_X(a.location) as lon
from accounts a
join account_match_keys k on k.account_id = a.id
where a.location && ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326);

-- name: name_keys
select k.account_id, k.name_key from account_match_keys k where k.account_id = any($1::bigint[]);

-- name: stored_accounts
select a.id, a.name, k.name_key, a.address, k.address_key, a.phones, a.tax_id, a.branch_code,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, a.territory_id
from accounts a
left join account_match_keys k on k.account_id = a.id
where a.id = any($1::bigint[]);

-- name: all_account_ids
select a.id from accounts a where a.id > $1 order by a.id limit $2;

-- name: undecided_pairs
-- Of the given pairs (smaller id first), those never queued, dismissed nor merged before.
select s.a, s.b
from unnest($1::bigint[], $2::bigint[]) as s(a, b)
where not exists (select 1 from duplicate_candidates c where c.account_a_id = s.a and c.account_b_id = s.b);

-- name: queue_review_pairs
insert into duplicate_candidates (account_a_id, account_b_id, score, signals)
select least(s.a, s.b), greatest(s.a, s.b), s.score, s.signals
from unnest($1::bigint[], $2::bigint[], $3::real[], $4::jsonb[]) as s(a, b, score, signals)
where s.a <> s.b
on conflict (account_a_id, account_b_id) do nothing;
