-- Customer base over time: matching keys on every account (however it was created) with indexes
-- that let PostgreSQL find look-alikes, and geocoding results stored with their source and precision.

create extension if not exists pg_trgm;

alter table accounts
    -- Where the location came from: 'given' (coordinates came with the record: a file row, the demo
    -- extract, the API), 'gps' (a lead captured in the field), or a geocoder ('osm-offline',
    -- 'nominatim', 'photon').
    add column geocode_source text,
    -- How precisely the geocoder found the address: house_number, street or city.
    add column geocode_precision text check (geocode_precision in ('house_number', 'street', 'city')),
    -- NULL: not geocoded; placed: location set from the geocoder; review: the geocoder found only the
    -- street or the city (the point is kept in geocode_lat/lon as a suggestion, location stays NULL);
    -- not_found: no result.
    add column geocode_status text check (geocode_status in ('placed', 'review', 'not_found')),
    add column geocode_lat float8,
    add column geocode_lon float8,
    add column geocoded_at timestamptz;

-- Matching keys of every account, apart from the account itself (computing them is no change of the
-- account: nothing goes to the phones' sync feed). geo_data.normalize.name_key / address_key
-- (transliterated, folded) and whether the account has a place; version: backend.matching.KEYS_VERSION.
-- An account without a row here, or with another version, gets its keys before the next match.
create table account_match_keys (
    account_id bigint primary key references accounts (id) on delete cascade,
    name_key text not null,
    address_key text,
    located boolean not null,
    version smallint not null
);
-- Blocking in the database: trigram look-ups on name keys (where one side has no place), exact keys.
create index account_match_keys_name_trgm on account_match_keys using gin (name_key gin_trgm_ops);
create index account_match_keys_unlocated_name_trgm on account_match_keys using gin (name_key gin_trgm_ops)
    where not located;
create index account_match_keys_address_idx on account_match_keys (address_key) where address_key <> '';
-- GIN indexes probed right after bulk writes (an import, a base loaded by SQL). Phones: one entry per
-- account, probed once per number of a batch: no pending list at all (each probe would scan it:
-- 0.9 ms instead of 0.01 ms measured). Name trigrams: many entries per account, probed only for
-- records without a place: a small pending list (256 kB instead of 4 MB) keeps inserts batched.
alter index accounts_phones_gin set (fastupdate = off);
alter index account_match_keys_name_trgm set (gin_pending_list_limit = 256);
alter index account_match_keys_unlocated_name_trgm set (gin_pending_list_limit = 256);
create index accounts_geocode_backlog_idx on accounts (id) where location is null and geocode_status is null;

-- A name, address or place changed by any writer (SQL by hand, the demo loader, a merge, an update):
-- the keys are stale; the matching service recomputes them before it next matches.
create function accounts_drop_stale_keys() returns trigger
language plpgsql as $$
begin
    if new.name is distinct from old.name or new.address is distinct from old.address
       or (new.location is null) <> (old.location is null) then
        delete from account_match_keys where account_id = new.id;
    end if;
    return null;
end
$$;
create trigger accounts_drop_stale_keys after update of name, address, location on accounts
    for each row execute function accounts_drop_stale_keys();

-- Coordinates that come with a record (a file row, the demo extract, the API) are 'given'.
create function accounts_location_source() returns trigger
language plpgsql as $$
begin
    if new.location is not null and new.geocode_source is null then
        new.geocode_source := 'given';
    end if;
    return new;
end
$$;
create trigger accounts_location_source before insert on accounts
    for each row execute function accounts_location_source();

update accounts set geocode_source = 'given' where location is not null and geocode_source is null;
