-- Segments (issue 17): saved rule-based sets of accounts. The rules are stored as data (jsonb, checked
-- by backend/segments/rules.py before they get here); the members of each segment are re-evaluated by
-- the worker's timer and on every save, and every account entering or leaving is kept with when.

-- The city of an account: its address is written "<street> <number>, <postcode> <city>" (geo_data's
-- demo city and file rows), so the city is the last comma-separated part without a leading postcode,
-- in lower case. An address without a comma has no city.
create function account_city(address text) returns text
language sql immutable parallel safe as $$
    select case when address like '%,%' then
        nullif(lower(btrim(regexp_replace(substring(address from '[^,]*$'), '^\s*[0-9][0-9A-Za-z-]*\s+', ''))), '')
    end
$$;

create table segments (
    id bigint generated always as identity primary key,
    name text not null check (length(btrim(name)) between 1 and 200),
    description text check (length(description) <= 2000),
    -- [{field, op, value[, within_days]} | {any_of: [{field, op, value[, within_days]}, ...]}, ...]: ANDed.
    rules jsonb not null check (jsonb_typeof(rules) = 'array' and jsonb_array_length(rules) > 0),
    -- private: its owner (and admins); team: the owner's scope (a supervisor's team); everyone.
    visibility text not null default 'team' check (visibility in ('private', 'team', 'everyone')),
    owner_id bigint not null references users (id),
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    -- When the members were last re-evaluated (business time); null: never.
    evaluated_at timestamptz
);
create unique index segments_owner_name_key on segments (owner_id, lower(btrim(name)));
create index segments_evaluated_idx on segments (evaluated_at nulls first);

-- The members as of the last evaluation.
create table segment_members (
    segment_id bigint not null references segments (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    entered_at timestamptz not null,
    primary key (segment_id, account_id)
);
create index segment_members_account_idx on segment_members (account_id);

-- Every account entering or leaving a segment (kept segment_changes_keep_days, purged by the worker).
create table segment_membership_changes (
    id bigint generated always as identity primary key,
    segment_id bigint not null references segments (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    change text not null check (change in ('entered', 'left')),
    changed_at timestamptz not null
);
create index segment_membership_changes_segment_idx on segment_membership_changes (segment_id, id);
create index segment_membership_changes_account_idx on segment_membership_changes (account_id);
create index segment_membership_changes_at_idx on segment_membership_changes (changed_at);
