-- Customer base: imports with provenance, legal entities, de-duplication (merge, review, undo),
-- manual territory assignment of accounts outside every territory.

create table legal_entities (
    id bigint generated always as identity primary key,
    tax_id text not null unique,
    name text,
    created_at timestamptz not null default now()
);

alter table accounts
    add column legal_entity_id bigint references legal_entities (id) on delete set null,
    add column branch_code text,
    add column address_key text,
    -- Set by a supervisor for an account no polygon covers; a polygon covering it later wins.
    add column territory_manual boolean not null default false,
    add column territory_assigned_by bigint references users (id) on delete set null;
create index accounts_tax_id_idx on accounts (tax_id) where tax_id is not null;
create index accounts_phones_gin on accounts using gin (phones);
create index accounts_address_key_idx on accounts (address_key) where address_key is not null;
create index accounts_unassigned_idx on accounts (id) where territory_id is null;
create index accounts_legal_entity_idx on accounts (legal_entity_id) where legal_entity_id is not null;

-- One run of an import (dry runs are not recorded).
create table imports (
    id bigint generated always as identity primary key,
    source text not null,
    created_by bigint references users (id) on delete set null,
    files jsonb not null,
    summary jsonb not null,
    rejected jsonb not null,
    created_at timestamptz not null default now()
);

alter table account_sources
    add column content_hash text,
    add column import_id bigint references imports (id) on delete set null;

-- A merge of one account (or one file row) into a golden record; undone by restoring the snapshot.
create table account_merges (
    id bigint generated always as identity primary key,
    winner_id bigint not null references accounts (id) on delete cascade,
    -- The merged account's id, restored on undo; NULL when a file row was merged on import.
    loser_id bigint,
    loser_snapshot jsonb not null,
    winner_before jsonb not null,
    source_ids bigint[] not null default '{}',
    score real,
    signals jsonb not null default '{}',
    kind text not null check (kind in ('import', 'review')),
    decided_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    undone_at timestamptz,
    undone_by bigint references users (id) on delete set null
);
create index account_merges_winner_idx on account_merges (winner_id);

-- Pairs in the grey zone, waiting for a person; dismissed pairs are remembered so re-imports
-- do not ask again.
create table duplicate_candidates (
    id bigint generated always as identity primary key,
    account_a_id bigint not null references accounts (id) on delete cascade,
    account_b_id bigint not null references accounts (id) on delete cascade,
    score real not null,
    signals jsonb not null default '{}',
    status text not null default 'open' check (status in ('open', 'dismissed')),
    created_at timestamptz not null default now(),
    decided_at timestamptz,
    decided_by bigint references users (id) on delete set null,
    constraint duplicate_candidates_order check (account_a_id < account_b_id),
    unique (account_a_id, account_b_id)
);
create index duplicate_candidates_open_idx on duplicate_candidates (id) where status = 'open';
create index duplicate_candidates_b_idx on duplicate_candidates (account_b_id);

-- Territory derivation, replacing 0001's functions: a polygon covering the point decides (lowest id
-- on a shared border, as before); with none, a manual assignment stays; otherwise NULL (unassigned).
create or replace function accounts_derive_territory() returns trigger
language plpgsql as $$
declare
    derived bigint := account_territory_for(new.location);
begin
    if derived is not null or not new.territory_manual then
        new.territory_id := derived;
        new.territory_manual := false;
        new.territory_assigned_by := null;
    end if;
    new.updated_at := now();
    return new;
end
$$;

create or replace function territories_rederive_accounts() returns trigger
language plpgsql as $$
begin
    update accounts a
    set territory_id = d.territory_id,
        territory_manual = false,
        territory_assigned_by = null,
        updated_at = now()
    from (select id, account_territory_for(location) as territory_id from accounts where location is not null) d
    where d.id = a.id
      and d.territory_id is distinct from a.territory_id
      and not (a.territory_manual and d.territory_id is null);
    return null;
end
$$;
