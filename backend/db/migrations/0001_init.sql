-- Platform foundation: people, territories, accounts, tokens.
create extension if not exists postgis;

create table users (
    id bigint generated always as identity primary key,
    email text not null,
    name text not null,
    role text not null check (role in ('rep', 'supervisor', 'admin')),
    password_hash text not null,
    -- A rep's (or a supervisor's) supervisor: the team is everyone whose supervisor_id is a supervisor.
    supervisor_id bigint references users (id) on delete set null,
    is_active boolean not null default true,
    failed_logins integer not null default 0,
    locked_until timestamptz,
    created_at timestamptz not null default now(),
    constraint users_email_lowercase check (email = lower(email) and email like '%_@_%')
);
create unique index users_email_key on users (email);
create index users_supervisor_idx on users (supervisor_id);

create table reps (
    user_id bigint primary key references users (id) on delete cascade,
    home geometry(Point, 4326),
    shift_start_s integer not null default 28800 check (shift_start_s between 0 and 172800),
    shift_end_s integer not null default 61200 check (shift_end_s between 0 and 172800),
    travel_mode text not null default 'car' check (travel_mode in ('car', 'bicycle', 'foot')),
    time_zone text not null default 'Europe/Helsinki',
    -- ISO weekdays 1 = Monday .. 7 = Sunday
    working_days smallint[] not null default '{1,2,3,4,5}',
    max_visits_per_day integer check (max_visits_per_day > 0),
    constraint reps_shift_order check (shift_end_s > shift_start_s)
);

create table territories (
    id bigint generated always as identity primary key,
    code text not null unique,
    name text not null,
    region text,
    geom geometry(MultiPolygon, 4326) not null,
    owner_rep_id bigint references users (id) on delete set null,
    backup_rep_id bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint territories_geom_valid check (ST_IsValid(geom))
);
create index territories_geom_gist on territories using gist (geom);
create index territories_owner_idx on territories (owner_rep_id);

create table accounts (
    id bigint generated always as identity primary key,
    name text not null check (length(trim(name)) > 0),
    legal_form text,
    address text,
    phones text[] not null default '{}',
    channel text not null check (channel in ('horeca', 'retail', 'other')),
    category text,
    account_class text not null default 'C' check (account_class in ('A', 'B', 'C')),
    status text not null default 'potential' check (status in ('potential', 'active', 'closed')),
    -- NULL location: the account needs geocoding and stays out of routing.
    location geometry(Point, 4326),
    territory_id bigint references territories (id) on delete set null,
    opening_hours_raw text,
    opening_hours_source text not null default 'channel_default'
        check (opening_hours_source in ('osm', 'import', 'channel_default')),
    service_s integer not null default 900 check (service_s > 0 and service_s <= 14400),
    visit_frequency_per_4_weeks smallint not null default 1 check (visit_frequency_per_4_weeks between 0 and 20),
    tax_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index accounts_location_gist on accounts using gist (location);
-- Distance ordering in metres (near=lat,lon) walks this index with the geography KNN operator.
create index accounts_location_geog_gist on accounts using gist ((location::geography));
create index accounts_territory_name_idx on accounts (territory_id, name, id);

-- Structured weekly opening hours: ISO weekday, seconds from local midnight.
create table account_opening_hours (
    account_id bigint not null references accounts (id) on delete cascade,
    weekday smallint not null check (weekday between 1 and 7),
    open_s integer not null check (open_s between 0 and 86400),
    close_s integer not null check (close_s between 0 and 86400),
    primary key (account_id, weekday, open_s),
    constraint account_opening_hours_order check (close_s > open_s)
);

-- External ids with provenance: where each account came from.
create table account_sources (
    id bigint generated always as identity primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    source text not null,
    external_id text not null,
    file_name text,
    row_number integer,
    imported_at timestamptz not null default now(),
    unique (source, external_id)
);
create index account_sources_account_idx on account_sources (account_id);

-- An account's territory is derived from the polygons; a point on a shared border goes to the
-- territory with the lowest id, so the answer is deterministic.
create function account_territory_for(point geometry) returns bigint
language sql stable as $$
    select t.id from territories t where point is not null and ST_Covers(t.geom, point) order by t.id limit 1
$$;

create function accounts_derive_territory() returns trigger
language plpgsql as $$
begin
    new.territory_id := account_territory_for(new.location);
    new.updated_at := now();
    return new;
end
$$;

create trigger accounts_derive_territory
before insert or update of location on accounts
for each row execute function accounts_derive_territory();

create function territories_rederive_accounts() returns trigger
language plpgsql as $$
begin
    update accounts a set territory_id = account_territory_for(a.location), updated_at = now()
    where a.location is not null
      and a.territory_id is distinct from account_territory_for(a.location);
    return null;
end
$$;

create trigger territories_rederive_accounts
after insert or delete or update of geom on territories
for each statement execute function territories_rederive_accounts();

create table refresh_tokens (
    jti uuid primary key,
    user_id bigint not null references users (id) on delete cascade,
    -- Every token issued by rotation from one login shares a family; reuse of a spent token
    -- revokes the whole family.
    family_id uuid not null,
    expires_at timestamptz not null,
    used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz not null default now()
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
