-- Failed logins per client address in a fixed window (the per-address login limit; the per-account
-- lock-out lives on users). One row per address; the window restarts once it has passed.
create table login_failures (
    address text primary key,
    window_start timestamptz not null default now(),
    failures integer not null default 0
);
