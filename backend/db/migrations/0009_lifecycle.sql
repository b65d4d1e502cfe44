-- The day's lifecycle (docs/architecture.md, "The day's lifecycle: rules"): the working calendar
-- (public holidays, absences), withdrawn and handed-over route versions, stops removed by a
-- supervisor, route-version events for the phone, and the one definition of coverage.

-- Public holidays: nobody works them (region null) or only the reps whose territory is in `region`.
create table holidays (
    id bigint generated always as identity primary key,
    day date not null,
    region text,
    name text not null check (length(trim(name)) > 0),
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now()
);
create unique index holidays_day_region_key on holidays (day, coalesce(region, ''));

-- A rep's absence (sick leave, vacation...): first and last day inclusive, local days.
create table rep_absences (
    id bigint generated always as identity primary key,
    rep_id bigint not null references users (id) on delete cascade,
    first_day date not null,
    last_day date not null,
    reason text not null check (length(trim(reason)) > 0),
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    constraint rep_absences_order check (last_day >= first_day)
);
create index rep_absences_rep_idx on rep_absences (rep_id, first_day, last_day);

-- Route versions: withdrawn (a day the rep does not work: no stops) and hand-over (an absent rep's
-- visits given to the backup or the team during the day).
alter table routes drop constraint routes_kind_check;
alter table routes add constraint routes_kind_check check (kind in ('nightly', 'replan', 'withdrawn', 'handover'));
alter table route_stops drop constraint route_stops_source_check;
alter table route_stops add constraint route_stops_source_check
    check (source in ('schedule', 'carried_over', 'appointment', 'task', 'handover'));

alter table planning_run_reps drop constraint planning_run_reps_status_check;
alter table planning_run_reps add constraint planning_run_reps_status_check
    check (status in ('queued', 'running', 'planned', 'unchanged', 'churn_capped', 'superseded', 'failed',
                      'day_off', 'withdrawn', 'no_territory'));
alter table planning_runs drop constraint planning_runs_trigger_check;
alter table planning_runs add constraint planning_runs_trigger_check
    check (trigger in ('cli', 'schedule', 'api', 'morning_check', 'simulation'));

-- Stops taken off a day's plan with a reason: by a supervisor, or by an absence or holiday that
-- withdrew the route. Plan vs fact subtracts them from the plan of the day.
create table route_stop_removals (
    id bigint generated always as identity primary key,
    rep_id bigint not null references users (id) on delete cascade,
    day date not null,
    account_id bigint not null references accounts (id) on delete cascade,
    reason text not null check (length(trim(reason)) > 0),
    removed_by bigint references users (id) on delete set null,
    removed_at timestamptz not null,
    unique (rep_id, day, account_id)
);

-- Every published route version is announced: an event for the rep's phone (server-sent events,
-- resumable by id) and an entry of the sync feed. One trigger, so no publisher can forget it.
create table route_events (
    id bigint generated always as identity primary key,
    rep_id bigint not null references users (id) on delete cascade,
    route_id bigint not null references routes (id) on delete cascade,
    day date not null,
    version integer not null,
    kind text not null,
    published_at timestamptz not null
);
create index route_events_rep_idx on route_events (rep_id, id);

alter table sync_log drop constraint sync_log_entity_check;
alter table sync_log add constraint sync_log_entity_check
    check (entity in ('account', 'checklist_template', 'territory', 'route'));

create function routes_announce() returns trigger
language plpgsql as $$
begin
    insert into route_events (rep_id, route_id, day, version, kind, published_at)
    values (new.rep_id, new.id, new.day, new.version, new.kind, new.published_at);
    insert into sync_log (entity, entity_id, rep_ids) values ('route', new.id, array[new.rep_id]);
    return new;
end
$$;

create trigger routes_announce
after insert on routes
for each row execute function routes_announce();

-- Coverage, one definition (docs/architecture.md): every endpoint and report counts through these.
-- Potential base: the outlets that fit the target profile (HoReCa or retail, not closed, located).
create function potential_base_account_ids() returns setof bigint
language sql stable parallel safe as $$
    select a.id from accounts a
    where a.channel in ('horeca', 'retail') and a.status <> 'closed' and a.location is not null
$$;

-- Active base: accounts with a recorded sale, or status 'active', within [p_from, p_to]. Sales per
-- account are not stored yet, so it is the status; the orders migration replaces this body (keep
-- the signature).
create function active_account_ids(p_from date, p_to date) returns setof bigint
language sql stable parallel safe as $$
    select a.id from accounts a where a.status = 'active' and p_from <= p_to
$$;

-- Visited: distinct outlets with a check-in on a local day (the rep's time zone) in [p_from, p_to],
-- by anyone, whatever their status (prospects included).
create function visited_account_ids(p_from date, p_to date) returns setof bigint
language sql stable parallel safe as $$
    select distinct v.account_id from visits v left join reps r on r.user_id = v.rep_id
    where v.checked_in_at >= (p_from - 1)::timestamp at time zone 'UTC'
      and v.checked_in_at < (p_to + 2)::timestamp at time zone 'UTC'
      and (v.checked_in_at at time zone coalesce(r.time_zone, 'UTC'))::date between p_from and p_to
$$;

-- Plan vs fact, one definition (docs/architecture.md, "Plan vs fact"): the plan of a rep's day is
-- the version published before the rep's shift start (the newest such), or the day's first version
-- when none was; stops first appearing in a later version are "added during the day".
create function day_plan_baselines(p_from date, p_to date)
returns table (rep_id bigint, day date, route_id bigint, version integer)
language sql stable as $$
    select distinct on (r.rep_id, r.day) r.rep_id, r.day, r.id, r.version
    from routes r join reps rp on rp.user_id = r.rep_id
    cross join lateral (
        select r.published_at < ((r.day + make_interval(secs => rp.shift_start_s)) at time zone rp.time_zone)
            as before_start
    ) s
    where r.day between p_from and p_to
    order by r.rep_id, r.day, s.before_start desc, case when s.before_start then -r.version else r.version end
$$;

-- One row per rep, day and account on the day's plan or added to it: `in_plan` (on the baseline
-- version) or added later, the stop as first planned (baseline, else the first later version that
-- holds it), and the reason when a supervisor (or an absence or holiday) removed it.
create function day_plan_stops(p_from date, p_to date)
returns table (rep_id bigint, day date, account_id bigint, route_id bigint, seq integer, in_plan boolean,
               removed_reason text, start_s integer, window_start_s integer, window_end_s integer)
language sql stable as $$
    select distinct on (b.rep_id, b.day, s.account_id)
           b.rep_id, b.day, s.account_id, r.id, s.seq, r.id = b.route_id, rm.reason, s.start_s,
           s.window_start_s, s.window_end_s
    from day_plan_baselines(p_from, p_to) b
    join routes r on r.rep_id = b.rep_id and r.day = b.day and r.version >= b.version
    join route_stops s on s.route_id = r.id
    left join route_stop_removals rm on rm.rep_id = b.rep_id and rm.day = b.day and rm.account_id = s.account_id
    order by b.rep_id, b.day, s.account_id, (r.id = b.route_id) desc, r.version
$$;
