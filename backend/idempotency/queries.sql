-- name: claim_key
-- Claims (user, scope, key) for this transaction. A concurrent request with the same key waits on
-- the primary key until the first commits (then sees its result) or rolls back (then claims it).
-- An expired key is claimed anew. Times are business time (migration 0022).
insert into idempotency_keys as k (user_id, scope, key, fingerprint, status_code, response, expires_at)
values ($1, $2, $3, $4, 0, 'null'::jsonb, business_now() + make_interval(secs => $5::float8))
on conflict (user_id, scope, key) do update
    set fingerprint = excluded.fingerprint, status_code = 0, response = 'null'::jsonb,
        created_at = business_now(), expires_at = excluded.expires_at
    where k.expires_at < business_now()
returning k.key;

-- name: stored_result
select fingerprint, status_code, response from idempotency_keys
where user_id = $1 and scope = $2 and key = $3;

-- name: complete_key
update idempotency_keys set status_code = $4, response = $5::jsonb
where user_id = $1 and scope = $2 and key = $3;

-- name: delete_expired_keys
-- Keys past their expiry at the caller's clock ($1): the worker's timer runs this.
delete from idempotency_keys where expires_at < $1;
