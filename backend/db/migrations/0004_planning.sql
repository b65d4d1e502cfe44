-- Visit schedules (journey plans), appointments and tasks, route versions, planning runs.

create table schedules (
    id bigint generated always as identity primary key,
    rep_id bigint not null references users (id) on delete cascade,
    start_day date not null,
    weeks smallint not null check (weeks between 1 and 12),
    end_day date not null,
    feasible boolean not null,
    -- shortfall per class and dropped accounts with reasons, as planned
    report jsonb not null default '{}'::jsonb,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    constraint schedules_days check (end_day > start_day)
);
create index schedules_rep_idx on schedules (rep_id, start_day desc, id desc);

create table scheduled_visits (
    schedule_id bigint not null references schedules (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    day date not null,
    primary key (schedule_id, account_id, day)
);
create index scheduled_visits_day_idx on scheduled_visits (schedule_id, day);

-- Fixed appointments (start_s set: the visit starts exactly then) and supervisor tasks for a day.
create table planned_tasks (
    id bigint generated always as identity primary key,
    rep_id bigint not null references users (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    day date not null,
    kind text not null check (kind in ('appointment', 'task')),
    start_s integer check (start_s between 0 and 172800),
    priority smallint not null default 70 check (priority between 0 and 100),
    note text,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now()
);
create index planned_tasks_rep_day_idx on planned_tasks (rep_id, day);

create table planning_runs (
    id bigint generated always as identity primary key,
    day date not null,
    trigger text not null check (trigger in ('cli', 'schedule', 'api', 'morning_check')),
    status text not null default 'queued' check (status in ('queued', 'running', 'done', 'done_with_failures')),
    created_at timestamptz not null default now(),
    finished_at timestamptz
);
create index planning_runs_day_idx on planning_runs (day, id desc);

create table planning_run_reps (
    run_id bigint not null references planning_runs (id) on delete cascade,
    rep_id bigint not null references users (id) on delete cascade,
    status text not null default 'queued'
        check (status in ('queued', 'running', 'planned', 'unchanged', 'churn_capped', 'superseded', 'failed')),
    attempts integer not null default 0,
    visits_planned integer,
    visits_dropped integer,
    dropped jsonb not null default '[]'::jsonb,
    solve_s double precision,
    route_id bigint,
    error text,
    started_at timestamptz,
    finished_at timestamptz,
    primary key (run_id, rep_id)
);

-- One rep's route for one day, versioned; the highest version is the published one.
create table routes (
    id bigint generated always as identity primary key,
    rep_id bigint not null references users (id) on delete cascade,
    day date not null,
    version integer not null,
    kind text not null check (kind in ('nightly', 'replan')),
    run_id bigint references planning_runs (id) on delete set null,
    -- sha256 of the solver input: the same inputs never make a new version.
    inputs_hash text not null,
    start_s integer not null,
    end_s integer not null,
    travel_s integer not null,
    distance_m double precision not null,
    unassigned jsonb not null default '[]'::jsonb,
    published_at timestamptz not null default now(),
    unique (rep_id, day, version)
);
create index routes_rep_day_idx on routes (rep_id, day, version desc);

create table route_stops (
    route_id bigint not null references routes (id) on delete cascade,
    seq integer not null,
    account_id bigint not null references accounts (id) on delete cascade,
    source text not null check (source in ('schedule', 'carried_over', 'appointment', 'task')),
    -- the day the visit was originally due (earlier than the route's day when carried over)
    due_day date not null,
    priority smallint not null,
    arrival_s integer not null,
    start_s integer not null,
    end_s integer not null,
    service_s integer not null,
    travel_from_previous_s integer not null,
    window_start_s integer,
    window_end_s integer,
    pinned_start_s integer,
    primary key (route_id, seq)
);
create index route_stops_account_idx on route_stops (account_id);

create table route_breaks (
    route_id bigint not null references routes (id) on delete cascade,
    start_s integer not null,
    end_s integer not null
);
