-- name: user_by_email
select id, email, name, role, password_hash, supervisor_id, is_active, session_version
from users where email = $1;

-- name: user_by_id
select id, email, name, role, password_hash, supervisor_id, is_active, session_version
from users where id = $1;

-- name: session_of
-- What a request's token is checked against: is the user still there, active, in the same session?
select session_version, is_active, role from users where id = $1;

-- name: bump_session_version
update users set session_version = session_version + 1 where id = $1 returning session_version;

-- name: claim_login_attempt
-- Locks the email's row until the attempt's transaction ends (concurrent attempts queue here) and
-- says how long the next attempt must still wait.
insert into login_throttle as t (email) values ($1)
on conflict (email) do update set email = excluded.email
returning t.failures, greatest(0, ceil(extract(epoch from t.next_attempt_at - now())))::int as wait_s;

-- name: record_login_failure
-- $2: failures allowed without a wait; then 2^(n - $2) seconds, at most $3.
update login_throttle
set failures = failures + 1,
    last_failure_at = now(),
    next_attempt_at = case when failures + 1 < $2 then now()
                           else now() + make_interval(secs => least($3::float8, power(2, failures + 1 - $2))) end
where email = $1;

-- name: forget_login_failures
delete from login_throttle where email = $1;

-- name: purge_login_throttle
-- Rows of emails with no failure for a day (a bounded batch per call: called on every failure).
delete from login_throttle
where email in (select email from login_throttle where last_failure_at < now() - interval '1 day' limit 100);

-- name: insert_refresh_token
insert into refresh_tokens (jti, user_id, family_id, expires_at) values ($1, $2, $3, $4);

-- name: refresh_token_for_update
select jti, user_id, family_id, expires_at, used_at, revoked_at from refresh_tokens where jti = $1 for update;

-- name: spend_refresh_token
update refresh_tokens set used_at = now() where jti = $1;

-- name: revoke_refresh_family
update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null;

-- name: rep_profile
select ST_Y(home) as home_lat, ST_X(home) as home_lon, shift_start_s, shift_end_s, travel_mode, time_zone,
       working_days
from reps where user_id = $1;

-- name: territories_of_rep
select t.id, t.code, t.name from territories t where t.id in (select visible_territory_ids('rep', $1)) order by t.id;

-- name: sales_role_of
select sales_role from users where id = $1;

-- name: insert_user
insert into users (email, name, role, password_hash, supervisor_id)
values ($1, $2, $3, $4, $5)
returning id;

-- name: insert_rep_profile
insert into reps (user_id, home) values ($1, case when $2::float8 is null then null
    else ST_SetSRID(ST_MakePoint($3::float8, $2::float8), 4326) end);

-- name: address_failures
-- Failures of the address in its current window, and the seconds left of that window.
select failures, greatest(0, extract(epoch from window_start + make_interval(secs => $2) - now()))::int as left_s
from login_failures where address = $1 and window_start + make_interval(secs => $2) > now();

-- name: record_address_failure
insert into login_failures as f (address, failures) values ($1, 1)
on conflict (address) do update
set failures = case when f.window_start + make_interval(secs => $2) > now() then f.failures + 1 else 1 end,
    window_start = case when f.window_start + make_interval(secs => $2) > now() then f.window_start else now() end;
