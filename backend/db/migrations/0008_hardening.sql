-- Hardening (issue 18): token revocation by session version, log-in throttling per email.

-- Every token carries the session version it was issued under; a token of another version is refused
-- on its next request. Deactivating, re-activating, changing the role or the password bumps it (here,
-- whoever writes the row); deleting the user removes the row, which refuses the token as well.
alter table users add column session_version integer not null default 1;

create function users_bump_session_version() returns trigger language plpgsql as $$
begin
    if new.role is distinct from old.role or new.is_active is distinct from old.is_active
            or new.password_hash is distinct from old.password_hash then
        new.session_version := old.session_version + 1;
    end if;
    return new;
end
$$;

create trigger users_session_version before update on users
    for each row execute function users_bump_session_version();

-- Failed log-ins per email, kept for every email tried (existing or not, so answers do not tell which
-- exist). After a few failures each further attempt must wait, doubling each time up to a cap; the row
-- is locked while one attempt is checked, so concurrent guesses are counted one after another.
create table login_throttle (
    email text primary key,
    failures integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_failure_at timestamptz not null default now()
);
create index login_throttle_last_failure_idx on login_throttle (last_failure_at);
