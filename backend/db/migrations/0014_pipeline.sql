-- From lead to loyal customer (issue 17): the shared schema of deals, sales roles, hand-overs,
-- CRM tasks, activities and the notifications a user's phone is told about. Features build on
-- these tables; the figures (funnel, conversion, cycle time, per-role KPIs) read them.

-- A sales role beside the access role: what the person does in the funnel. Null: not in the funnel.
alter table users add column sales_role text
    check (sales_role in ('hunter', 'closer', 'farmer', 'telemarketer', 'key_account_manager'));

-- Who plays which sales role for a territory: hand-over rules name a role, this names the person.
create table territory_sales_roles (
    territory_id bigint not null references territories (id) on delete cascade,
    sales_role text not null
        check (sales_role in ('hunter', 'closer', 'farmer', 'telemarketer', 'key_account_manager')),
    user_id bigint not null references users (id) on delete cascade,
    primary key (territory_id, sales_role)
);
create index territory_sales_roles_user_idx on territory_sales_roles (user_id);

-- The person who grows an account once it buys (a farmer or a key account manager); null until a
-- hand-over (or an admin) names one.
alter table accounts add column account_manager_id bigint references users (id) on delete set null;
create index accounts_manager_idx on accounts (account_manager_id) where account_manager_id is not null;

-- A pipeline per goal; its stages in order. Exactly one stage may be the key stage (the one the
-- business steers by). `required` stages cannot be skipped on the way forward; `norm_days` is how
-- long a deal should stay (control list "stuck in a stage"). Won and lost are terminal stages.
create table pipelines (
    id bigint generated always as identity primary key,
    code text not null unique check (code ~ '^[a-z0-9_-]{1,40}$'),
    name text not null check (length(name) between 1 and 200),
    goal text not null check (goal in ('new_customer', 'new_listing', 'promotion')),
    -- Moving a deal to won needs an order of the account placed since the deal was opened.
    won_requires_order boolean not null default false,
    is_active boolean not null default true,
    created_at timestamptz not null default now()
);

create table pipeline_stages (
    id bigint generated always as identity primary key,
    pipeline_id bigint not null references pipelines (id) on delete cascade,
    position integer not null check (position >= 0),
    code text not null check (code ~ '^[a-z0-9_-]{1,40}$'),
    name text not null check (length(name) between 1 and 200),
    -- open: a working stage; won / lost: terminal.
    outcome text not null default 'open' check (outcome in ('open', 'won', 'lost')),
    is_key boolean not null default false,
    -- qualified: the stage that ends "lead -> qualified" (cv1) and starts "qualified -> won" (cv2).
    is_qualified boolean not null default false,
    required boolean not null default false,
    norm_days integer check (norm_days > 0),
    unique (pipeline_id, position),
    unique (pipeline_id, code)
);
create unique index pipeline_stages_one_key on pipeline_stages (pipeline_id) where is_key;
create unique index pipeline_stages_one_qualified on pipeline_stages (pipeline_id) where is_qualified;

-- One deal per account and pipeline (goal) while it is open. `id` is the client's UUID (offline-first,
-- idempotent like visits and orders).
create table deals (
    id uuid primary key,
    pipeline_id bigint not null references pipelines (id),
    account_id bigint not null references accounts (id) on delete cascade,
    stage_id bigint not null references pipeline_stages (id),
    status text not null default 'open' check (status in ('open', 'won', 'lost')),
    owner_id bigint not null references users (id),
    source text not null check (source in ('field', 'web_form', 'telemarketing', 'import', 'licence_register')),
    amount numeric(14, 2) check (amount >= 0),
    expected_close_day date,
    lost_reason text check (length(lost_reason) <= 500),
    title text check (length(title) <= 200),
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null,
    -- When the deal entered its current stage (stuck-in-stage control list, cycle time).
    stage_entered_at timestamptz not null,
    closed_at timestamptz,
    updated_at timestamptz not null default now(),
    constraint deals_lost_has_reason check (status <> 'lost' or lost_reason is not null),
    constraint deals_closed_when_done check ((status = 'open') = (closed_at is null))
);
create unique index deals_one_open_per_account_pipeline on deals (account_id, pipeline_id) where status = 'open';
create index deals_owner_idx on deals (owner_id, status);
create index deals_stage_idx on deals (stage_id, status);
create index deals_created_idx on deals (created_at);

-- Every stage change, with when and who: the funnel, conversion and cycle time are computed from
-- these rows alone (the deal's creation is a change from no stage).
create table deal_stage_changes (
    id bigint generated always as identity primary key,
    deal_id uuid not null references deals (id) on delete cascade,
    from_stage_id bigint references pipeline_stages (id),
    to_stage_id bigint not null references pipeline_stages (id),
    changed_by bigint references users (id) on delete set null,
    changed_at timestamptz not null
);
create index deal_stage_changes_deal_idx on deal_stage_changes (deal_id, changed_at);
create index deal_stage_changes_to_idx on deal_stage_changes (to_stage_id, changed_at);

-- Hand-over rules as data: when `trigger` happens, the deal (stage_reached) or the account
-- (first_delivered_order) goes to the person holding `to_role` for the account's territory.
create table handover_rules (
    id bigint generated always as identity primary key,
    pipeline_id bigint references pipelines (id) on delete cascade,
    trigger text not null check (trigger in ('stage_reached', 'first_delivered_order')),
    stage_id bigint references pipeline_stages (id) on delete cascade,
    from_role text check (from_role in ('hunter', 'closer', 'farmer', 'telemarketer', 'key_account_manager')),
    to_role text not null check (to_role in ('hunter', 'closer', 'farmer', 'telemarketer', 'key_account_manager')),
    is_active boolean not null default true,
    constraint handover_rules_stage check ((trigger = 'stage_reached') = (stage_id is not null))
);

-- Every hand-over (by rule or by hand). The previous owner keeps read access to the history of
-- what they handed over.
create table handovers (
    id bigint generated always as identity primary key,
    deal_id uuid references deals (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    from_user_id bigint references users (id) on delete set null,
    to_user_id bigint not null references users (id),
    rule_id bigint references handover_rules (id) on delete set null,
    reason text not null,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null
);
create index handovers_from_idx on handovers (from_user_id);
create index handovers_account_idx on handovers (account_id);

-- What each lead source cost in a month (entered by admins): cost per lead and per won deal.
create table lead_source_costs (
    source text not null check (source in ('field', 'web_form', 'telemarketing', 'import', 'licence_register')),
    month date not null check (extract(day from month) = 1),
    amount numeric(14, 2) not null check (amount >= 0),
    updated_by bigint references users (id) on delete set null,
    primary key (source, month)
);

-- CRM tasks: something a person must do by a due time about an account or a deal. (A rep's
-- appointments for a day's route are `planned_tasks`, migration 0004; a task of kind visit may
-- put one there.) `id` is the client's UUID.
create table sales_tasks (
    id uuid primary key,
    owner_id bigint not null references users (id),
    account_id bigint references accounts (id) on delete cascade,
    deal_id uuid references deals (id) on delete cascade,
    kind text not null check (kind in ('call', 'visit', 'send_offer', 'follow_up')),
    title text not null check (length(title) between 1 and 200),
    note text check (length(note) <= 2000),
    due_at timestamptz not null,
    remind_at timestamptz,
    reminded_at timestamptz,
    status text not null default 'open' check (status in ('open', 'done', 'cancelled')),
    done_at timestamptz,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null,
    updated_at timestamptz not null default now(),
    constraint sales_tasks_about_something check (account_id is not null or deal_id is not null),
    constraint sales_tasks_done_when check ((status = 'done') = (done_at is not null))
);
create index sales_tasks_owner_idx on sales_tasks (owner_id, status, due_at);
create index sales_tasks_deal_idx on sales_tasks (deal_id) where deal_id is not null;
create index sales_tasks_account_idx on sales_tasks (account_id);
create index sales_tasks_remind_idx on sales_tasks (remind_at) where status = 'open' and reminded_at is null;

-- Activities on an account's timeline: calls (duration, outcome), meetings, messages, logged
-- through the API or by a telephony / messenger webhook (idempotent by the provider's id).
create table activities (
    id uuid primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    deal_id uuid references deals (id) on delete set null,
    user_id bigint references users (id) on delete set null,
    kind text not null check (kind in ('call', 'meeting', 'message')),
    direction text check (direction in ('inbound', 'outbound')),
    occurred_at timestamptz not null,
    duration_s integer check (duration_s >= 0),
    outcome text check (length(outcome) <= 200),
    note text check (length(note) <= 2000),
    provider text check (length(provider) <= 60),
    provider_event_id text check (length(provider_event_id) <= 200),
    created_at timestamptz not null default now(),
    constraint activities_provider_pair check ((provider is null) = (provider_event_id is null))
);
create unique index activities_provider_event on activities (provider, provider_event_id) where provider is not null;
create index activities_account_idx on activities (account_id, occurred_at);
create index activities_user_idx on activities (user_id, occurred_at);

-- Notifications for one user (a hand-over, a task reminder...). They share the route events'
-- numbering, so the event stream (GET /api/v1/me/events) resumes from one Last-Event-ID across both,
-- and each is logged for the offline sync feed.
create table notifications (
    id bigint primary key default nextval(pg_get_serial_sequence('route_events', 'id')),
    user_id bigint not null references users (id) on delete cascade,
    kind text not null check (kind ~ '^[a-z_]{1,40}$'),
    payload jsonb not null default '{}'::jsonb,
    created_at timestamptz not null
);
create index notifications_user_idx on notifications (user_id, id);
create index notifications_created_idx on notifications (created_at);

alter table sync_log drop constraint sync_log_entity_check;
alter table sync_log add constraint sync_log_entity_check
    check (entity in ('account', 'checklist_template', 'territory', 'route', 'notification'));

create function notifications_log() returns trigger
language plpgsql as $$
begin
    insert into sync_log (entity, entity_id, rep_ids) values ('notification', new.id, array[new.user_id]);
    return new;
end
$$;

create trigger notifications_log
after insert on notifications
for each row execute function notifications_log();

-- The scope rule for accounts, once (parameters role, user id as in 0007): the accounts of the
-- territories the caller sees, the accounts they manage (a farmer's or KAM's book, wherever it
-- lies) and the accounts of the deals they own. A supervisor also sees their team's books.
create function visible_account_ids(p_role text, p_user_id bigint) returns setof bigint
language sql stable parallel safe as $$
    select a.id from accounts a
    where p_role = 'admin'
       or a.territory_id in (select visible_territory_ids(p_role, p_user_id))
       or a.account_manager_id in (select visible_rep_ids(p_role, p_user_id))
    union
    select d.account_id from deals d
    where d.owner_id in (select visible_rep_ids(p_role, p_user_id))
$$;
