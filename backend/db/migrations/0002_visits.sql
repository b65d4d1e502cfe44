-- Visits in the field: check-in/out with verification flags, checklist templates and answers,
-- photos stored once per content hash, idempotency keys for offline-first sync.

create table visits (
    -- The client-generated UUID: the phone's idempotency key for the check-in.
    id uuid primary key,
    rep_id bigint not null references users (id),
    account_id bigint not null references accounts (id),
    -- The planned route stop this visit belongs to, when there is one: (route id, stop seq) of the
    -- rep's published route for the day (routes are created by a later migration: no foreign key).
    route_id bigint,
    route_stop_seq integer,
    -- Device clock: visits are ordered by when they happened on the phone, not by arrival.
    checked_in_at timestamptz not null,
    check_in_location geometry(Point, 4326) not null,
    check_in_accuracy_m double precision not null check (check_in_accuracy_m >= 0),
    check_in_mock boolean not null,
    check_in_distance_m double precision not null,
    check_in_sent_at timestamptz,
    check_in_reason text,
    checked_out_at timestamptz,
    check_out_location geometry(Point, 4326),
    check_out_accuracy_m double precision check (check_out_accuracy_m >= 0),
    check_out_mock boolean,
    check_out_distance_m double precision,
    check_out_reason text,
    -- Every verification flag that applies (visits/checkin.py documents each rule).
    flags text[] not null default '{}',
    received_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint visits_flags_known check (flags <@ array[
        'out_of_range', 'low_accuracy', 'mock_location', 'impossible_speed', 'clock_skew',
        'not_on_route', 'too_short', 'checkout_out_of_range', 'checkout_low_accuracy',
        'checkout_mock_location']::text[]),
    constraint visits_checkout_complete check (
        (checked_out_at is null) = (check_out_location is null))
);
create index visits_rep_time_idx on visits (rep_id, checked_in_at, id);
create index visits_account_idx on visits (account_id, checked_in_at);
create index visits_updated_idx on visits (updated_at);

-- Versioned templates: a new version is a new row with the same code; answers keep the row id
-- of the version they were filled on.
create table checklist_templates (
    id bigint generated always as identity primary key,
    code text not null check (length(trim(code)) > 0),
    version integer not null check (version > 0),
    name text not null,
    items jsonb not null,
    -- Assignment: an account gets the latest active version of every template whose channels,
    -- classes or account ids match it (an empty list matches nothing on that axis; all three
    -- empty matches every account).
    channels text[] not null default '{}',
    classes text[] not null default '{}',
    account_ids bigint[] not null default '{}',
    is_active boolean not null default true,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    unique (code, version)
);

create table visit_checklists (
    visit_id uuid not null references visits (id) on delete cascade,
    template_id bigint not null references checklist_templates (id),
    answers jsonb not null,
    score_pct numeric(5, 1),
    score_parts jsonb not null default '[]',
    answered_at timestamptz,  -- device clock
    received_at timestamptz not null default now(),
    primary key (visit_id, template_id)
);

-- One row per distinct content (sha256): the bytes are stored once under that key.
create table photo_blobs (
    sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
    media_type text not null,
    size_bytes integer not null check (size_bytes > 0),
    width integer not null,
    height integer not null,
    phash bigint not null,
    captured_at timestamptz,
    gps_location geometry(Point, 4326),
    created_at timestamptz not null default now()
);
create index photo_blobs_phash_idx on photo_blobs (phash);

create table visit_photos (
    -- The client photo id: the phone's idempotency key for the upload.
    id uuid primary key,
    visit_id uuid not null references visits (id) on delete cascade,
    rep_id bigint not null references users (id),
    sha256 text not null references photo_blobs (sha256),
    item_key text,
    flags text[] not null default '{}',
    reused_from_visit_id uuid,
    received_at timestamptz not null default now(),
    constraint visit_photos_flags_known check (flags <@ array['taken_before_visit', 'far_from_outlet', 'reused']::text[])
);
create index visit_photos_visit_idx on visit_photos (visit_id);
create index visit_photos_sha_idx on visit_photos (sha256);

-- Idempotency keys of offline-first writes, scoped per user and per operation. A replay with
-- the same fingerprint returns the stored response; a different fingerprint is a 409.
create table idempotency_keys (
    user_id bigint not null references users (id) on delete cascade,
    scope text not null,
    key text not null,
    fingerprint text not null,
    status_code integer not null,
    response jsonb not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    primary key (user_id, scope, key)
);
create index idempotency_keys_expiry_idx on idempotency_keys (expires_at);

-- Change log for offline sync (GET /api/v1/sync/changes). Each change records the writing
-- transaction's id: a reader's cursor is the oldest transaction still running when it read
-- (pg_snapshot_xmin), so a change committed later by an older transaction is never skipped (a
-- change may be sent twice; the phone upserts).
create table sync_log (
    seq bigint generated always as identity primary key,
    tx xid8 not null default pg_current_xact_id(),
    entity text not null check (entity in ('account', 'checklist_template', 'territory')),
    entity_id bigint not null,
    -- territories the change touches (an account's old and new territory; a territory itself)
    territory_ids bigint[] not null default '{}',
    -- reps the change touches (a territory's old and new owner and backup)
    rep_ids bigint[] not null default '{}',
    changed_at timestamptz not null default now()
);
create index sync_log_tx_idx on sync_log (tx);

create function sync_log_account() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into sync_log (entity, entity_id, territory_ids)
        values ('account', old.id, array_remove(array[old.territory_id], null));
        return old;
    end if;
    insert into sync_log (entity, entity_id, territory_ids)
    values ('account', new.id, array_remove(array[new.territory_id,
            case when tg_op = 'UPDATE' then old.territory_id end], null));
    return new;
end
$$;

create trigger accounts_sync_log
after insert or update or delete on accounts
for each row execute function sync_log_account();

create function sync_log_territory() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into sync_log (entity, entity_id, territory_ids, rep_ids)
        values ('territory', old.id, array[old.id], array_remove(array[old.owner_rep_id, old.backup_rep_id], null));
        return old;
    end if;
    if tg_op = 'INSERT' or new.owner_rep_id is distinct from old.owner_rep_id
       or new.backup_rep_id is distinct from old.backup_rep_id then
        insert into sync_log (entity, entity_id, territory_ids, rep_ids)
        values ('territory', new.id, array[new.id], array_remove(array[new.owner_rep_id, new.backup_rep_id,
                case when tg_op = 'UPDATE' then old.owner_rep_id end,
                case when tg_op = 'UPDATE' then old.backup_rep_id end], null));
    end if;
    return new;
end
$$;

create trigger territories_sync_log
after insert or update or delete on territories
for each row execute function sync_log_territory();

create function sync_log_checklist_template() returns trigger
language plpgsql as $$
begin
    insert into sync_log (entity, entity_id) values ('checklist_template', new.id);
    return new;
end
$$;

create trigger checklist_templates_sync_log
after insert or update on checklist_templates
for each row execute function sync_log_checklist_template();
