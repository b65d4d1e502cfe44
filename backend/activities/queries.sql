-- Activities. The read scope of an activity: its account is one the caller sees
-- (visible_account_ids) or its user is someone the caller sees (visible_rep_ids). Parameters $1, $2
-- are the caller's role and user id where a query is scoped.

-- name: account_in_scope
select a.id from accounts a where a.id = $3 and a.id in (select visible_account_ids($1, $2));

-- name: deal_in_scope
select d.id, d.account_id from deals d where d.id = $3 and d.account_id in (select visible_account_ids($1, $2));

-- name: user_in_scope
select u.id from users u where u.id = $3 and u.id in (select visible_rep_ids($1, $2));

-- name: insert_activity
-- Nothing when the id, or the provider's event id, is taken.
insert into activities (id, account_id, deal_id, user_id, kind, direction, occurred_at, duration_s, outcome, note,
                        provider, provider_event_id, created_at)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
on conflict do nothing
returning id;

-- name: activity_by_id
-- One activity as the API shows it (the one just stored: the caller's own, or the webhook's).
select v.id, v.account_id, a.name as account_name, v.deal_id, v.user_id, u.name as user_name, v.kind, v.direction,
       v.occurred_at, v.duration_s, v.outcome, v.note, v.provider, v.provider_event_id, v.created_at
from activities v join accounts a on a.id = v.account_id left join users u on u.id = v.user_id
where v.id = $1;

-- name: list_activities
-- Activities in the caller's read scope, filtered (a null filter is no filter), newest first, after
-- the keyset ($6 occurred_at, $7 id).
select v.id, v.account_id, a.name as account_name, v.deal_id, v.user_id, u.name as user_name, v.kind, v.direction,
       v.occurred_at, v.duration_s, v.outcome, v.note, v.provider, v.provider_event_id, v.created_at
from activities v join accounts a on a.id = v.account_id left join users u on u.id = v.user_id
where (v.account_id in (select visible_account_ids($1, $2)) or v.user_id in (select visible_rep_ids($1, $2)))
  and ($3::bigint is null or v.account_id = $3)
  and ($4::bigint is null or v.user_id = $4)
  and ($5::text is null or v.kind = $5)
  and ($6::timestamptz is null or (v.occurred_at, v.id) < ($6, $7::uuid))
order by v.occurred_at desc, v.id desc
limit $8;

-- name: provider_event_exists
select exists (select 1 from activities where provider = $1 and provider_event_id = $2);

-- name: active_user_by_email
select u.id from users u where u.email = lower($1) and u.is_active;

-- name: accounts_by_phone
-- Accounts with the E.164 number $1 among their phones (GIN index), and whether the user $2 (null:
-- none named) sees each.
select a.id as account_id,
       coalesce(a.id in (select visible_account_ids(u.role, u.id)), false) as visible_to_user
from accounts a left join users u on u.id = $2::bigint
where a.phones @> array[$1::text]
order by a.id
limit 20;
