-- name: user_by_email
select id, email, name, role, password_hash, supervisor_id, is_active, failed_logins, locked_until
from users where email = $1;

-- name: user_by_id
select id, email, name, role, password_hash, supervisor_id, is_active, failed_logins, locked_until
from users where id = $1;

-- name: record_failed_login
update users
set failed_logins = failed_logins + 1,
    locked_until = case when failed_logins + 1 >= $2 then now() + make_interval(secs => $3) else locked_until end
where id = $1;

-- name: record_successful_login
update users set failed_logins = 0, locked_until = null where id = $1;

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
