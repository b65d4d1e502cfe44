-- Customer base over time: matching keys on every account (however it was created) with indexes
-- that let PostgreSQL find look-alikes, and geocoding results stored with their source and precision.

create extension if not exists pg_trgm;

alter table accounts
    -- geo_data.normalize.name_key of the name (transliterated, folded); address_key is 0003's.
    add column name_key text,
    -- Which version of the key functions made name_key/address_key (backend.matching.KEYS_VERSION);
    -- NULL: keys missing or stale, recomputed by the matching service before it matches.
    add column match_keys_version smallint,
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

-- Blocking in the database: trigram look-ups on name keys (a row without a place), exact keys.
create index accounts_name_key_trgm on accounts using gin (name_key gin_trgm_ops);
create index accounts_unlocated_name_key_trgm on accounts using gin (name_key gin_trgm_ops) where location is null;
create index accounts_stale_keys_idx on accounts (id) where match_keys_version is null;
create index accounts_geocode_backlog_idx on accounts (id) where location is null and geocode_status is null;

-- A name or address changed without new keys (any writer: SQL by hand, the demo loader, an update
-- elsewhere): the keys are stale and the matching service recomputes them before it next matches.
create function accounts_mark_stale_keys() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        if new.name_key is null then
            new.match_keys_version := null;
        end if;
        if new.location is not null and new.geocode_source is null then
            new.geocode_source := 'given';
        end if;
    elsif (new.name is distinct from old.name and new.name_key is not distinct from old.name_key)
       or (new.address is distinct from old.address and new.address_key is not distinct from old.address_key) then
        new.match_keys_version := null;
    end if;
    return new;
end
$$;
create trigger accounts_mark_stale_keys before insert or update of name, address on accounts
    for each row execute function accounts_mark_stale_keys();


update accounts set geocode_source = 'given' where location is not null and geocode_source is null;
