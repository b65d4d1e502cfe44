-- The account card (issue 17): the people at an outlet (contacts with their consents), notes, the
-- audit of every field edit, and the read scope that lets a hand-over's previous owner keep reading
-- what they handed over.

-- People at the outlet. `id` is the client's UUID (offline-first, idempotent). Phones are E.164
-- (geo_data.normalize, region FIELDSALES_PHONE_REGION). A consent is null until asked; its `_at`
-- is when it was last given or withdrawn (the business clock when the change arrived).
create table account_contacts (
    id uuid primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null check (length(trim(name)) between 1 and 200),
    role text not null check (role in ('owner', 'manager', 'sommelier', 'buyer', 'bartender', 'other')),
    phones text[] not null default '{}' check (cardinality(phones) <= 10),
    email text check (length(email) <= 254),
    consent_calls boolean,
    consent_calls_at timestamptz,
    consent_sms boolean,
    consent_sms_at timestamptz,
    consent_email boolean,
    consent_email_at timestamptz,
    is_active boolean not null default true,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint account_contacts_consent_times check (
        (consent_calls is null or consent_calls_at is not null)
        and (consent_sms is null or consent_sms_at is not null)
        and (consent_email is null or consent_email_at is not null))
);
create index account_contacts_account_idx on account_contacts (account_id, name);

-- Notes by the people who work the account; immutable once written. `id` is the client's UUID.
create table account_notes (
    id uuid primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    author_id bigint references users (id) on delete set null,
    text text not null check (length(trim(text)) between 1 and 4000),
    created_at timestamptz not null
);
create index account_notes_account_idx on account_notes (account_id, created_at desc, id);

-- Every field edit made through the card (an account's phones, status or opening hours; a contact's
-- fields; a note written), with who, when (business clock) and the client's change id (the
-- Idempotency-Key, or the new object's UUID). Kept as long as the account: human edits are few.
create table account_changes (
    id bigint generated always as identity primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    entity text not null check (entity in ('account', 'contact', 'note')),
    entity_id text not null,
    field text not null check (length(field) between 1 and 60),
    old_value jsonb,
    new_value jsonb,
    changed_by bigint references users (id) on delete set null,
    changed_at timestamptz not null,
    client_change_id text check (length(client_change_id) <= 200)
);
create index account_changes_account_idx on account_changes (account_id, changed_at desc, id desc);

-- Opening hours a rep corrected in the field.
alter table accounts drop constraint accounts_opening_hours_source_check;
alter table accounts add constraint accounts_opening_hours_source_check
    check (opening_hours_source in ('osm', 'import', 'channel_default', 'field'));

-- The read scope of accounts (parameters role, user id as in 0007): every account the caller may
-- work (visible_account_ids, 0014) and every account the caller, or a person they see, handed over
-- (an account or one of its deals): the previous owner keeps reading its history, without editing it.
-- Called in FROM, so the planner inlines it (and 0014's function) and pushes an id filter into both.
create function readable_account_ids(p_role text, p_user_id bigint) returns setof bigint
language sql stable parallel safe as $$
    select v.id from visible_account_ids(p_role, p_user_id) as v(id)
    union
    select h.account_id from handovers h
    where h.from_user_id in (select visible_rep_ids(p_role, p_user_id))
$$;
