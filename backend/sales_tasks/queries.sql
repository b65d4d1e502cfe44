-- CRM tasks. The read scope of a task, everywhere below: its owner is a person the caller sees
-- (visible_rep_ids: themselves, their team, or anyone for an admin) or its account is one the
-- caller sees (visible_account_ids). Only a task whose owner the caller sees may be changed.
-- Parameters $1, $2 are always the caller's role and user id.

-- name: owner_in_scope
-- The user $3 if the caller may give them tasks (a person they see), with whether they are a rep
-- (a visit task goes on a rep's day) and their time zone.
select u.id, u.is_active, (u.role = 'rep' and r.user_id is not null) as is_rep,
       coalesce(r.time_zone, 'UTC') as time_zone
from users u left join reps r on r.user_id = u.id
where u.id = $3 and u.id in (select visible_rep_ids($1, $2));

-- name: task_owner
-- The user $1 as a task owner (a batch names each task's owner itself: the account's manager or
-- territory owner), with whether they are a rep and their time zone, as owner_in_scope.
select u.id, u.is_active, (u.role = 'rep' and r.user_id is not null) as is_rep,
       coalesce(r.time_zone, 'UTC') as time_zone
from users u left join reps r on r.user_id = u.id
where u.id = $1;

-- name: existing_task_ids
select id from sales_tasks where id = any($1::uuid[]);

-- name: account_in_scope
select a.id from accounts a where a.id = $3 and a.id in (select visible_account_ids($1, $2));

-- name: deal_in_scope
-- The deal if its account is one the caller sees (the account scope covers the deals they own).
select d.id, d.account_id from deals d where d.id = $3 and d.account_id in (select visible_account_ids($1, $2));

-- name: insert_task
-- Nothing when the id is taken (by another user, or after the idempotency key expired).
insert into sales_tasks (id, owner_id, account_id, deal_id, kind, title, note, due_at, remind_at, created_by,
                         created_at, updated_at, planned_task_id)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
on conflict (id) do nothing
returning id;

-- name: task_in_scope
-- One task as the API shows it; `overdue` against the business time $4.
select t.id, t.owner_id, u.name as owner_name, t.account_id, a.name as account_name, t.deal_id, t.kind, t.title,
       t.note, t.due_at, t.remind_at, t.reminded_at, t.status, t.done_at, t.created_by, t.created_at, t.updated_at,
       t.planned_task_id, (t.status = 'open' and t.due_at < $4) as overdue
from sales_tasks t join users u on u.id = t.owner_id left join accounts a on a.id = t.account_id
where t.id = $3
  and (t.owner_id in (select visible_rep_ids($1, $2)) or t.account_id in (select visible_account_ids($1, $2)));

-- name: task_for_change
-- The task, locked, if the caller may read it; `changeable` when they may change it (its owner is
-- someone they see).
select t.id, t.owner_id, t.account_id, t.deal_id, t.kind, t.title, t.note, t.due_at, t.remind_at, t.status,
       t.planned_task_id, t.owner_id in (select visible_rep_ids($1, $2)) as changeable
from sales_tasks t
where t.id = $3
  and (t.owner_id in (select visible_rep_ids($1, $2)) or t.account_id in (select visible_account_ids($1, $2)))
for update of t;

-- name: list_tasks
-- Tasks in the caller's read scope, filtered (a null filter is no filter), by due time then id,
-- after the keyset ($10 due_at, $11 id); $4 is the business time for `overdue`.
select t.id, t.owner_id, u.name as owner_name, t.account_id, a.name as account_name, t.deal_id, t.kind, t.title,
       t.note, t.due_at, t.remind_at, t.reminded_at, t.status, t.done_at, t.created_by, t.created_at, t.updated_at,
       t.planned_task_id, (t.status = 'open' and t.due_at < $4) as overdue
from sales_tasks t join users u on u.id = t.owner_id left join accounts a on a.id = t.account_id
where (t.owner_id in (select visible_rep_ids($1, $2)) or t.account_id in (select visible_account_ids($1, $2)))
  and ($5::bigint is null or t.owner_id = $5)
  and ($6::text is null or t.status = $6)
  and ($7::boolean is null or (t.status = 'open' and t.due_at < $4) = $7)
  and ($8::bigint is null or t.account_id = $8)
  and ($9::uuid is null or t.deal_id = $9)
  and ($10::timestamptz is null or (t.due_at, t.id) > ($10, $11::uuid))
order by t.due_at, t.id
limit $3;

-- name: update_task
-- A changed remind time asks for a new reminder (reminded_at cleared).
update sales_tasks
set owner_id = $2, title = $3, note = $4, due_at = $5,
    reminded_at = case when remind_at is distinct from $6 then null else reminded_at end,
    remind_at = $6, updated_at = $7
where id = $1;

-- name: close_task
-- open -> done (with its time) or cancelled.
update sales_tasks set status = $2::text, done_at = case when $2::text = 'done' then $3::timestamptz end, updated_at = $3
where id = $1 and status = 'open';

-- name: set_planned_task
update sales_tasks set planned_task_id = $2 where id = $1;

-- name: planned_day
-- The day task and the local "today" it is compared with (the rep's time zone).
select p.id, p.rep_id, p.day, coalesce(r.time_zone, 'UTC') as time_zone
from planned_tasks p left join reps r on r.user_id = p.rep_id
where p.id = $1;

-- name: withdraw_planned_task
-- The day task a visit task put on the rep's day, taken off it (the task moved, changed hands or closed).
delete from planned_tasks where id = $1;

-- name: due_reminders
-- Open tasks whose remind time has come and that were not reminded yet, oldest first; locked, and
-- skipped when another worker holds them, so a reminder is sent once.
select t.id, t.owner_id, t.title, t.due_at, t.account_id, t.deal_id
from sales_tasks t
where t.status = 'open' and t.reminded_at is null and t.remind_at <= $1
order by t.remind_at, t.id
limit $2
for update skip locked;

-- name: mark_reminded
update sales_tasks set reminded_at = $2 where id = $1;

-- name: overdue_tasks
-- Control list: open tasks due before $3 in the caller's read scope, most overdue first.
select t.id, t.owner_id, u.name as owner_name, t.account_id, a.name as account_name, t.deal_id, t.kind, t.title,
       t.due_at, floor(extract(epoch from ($3 - t.due_at)) / 3600)::integer as overdue_h
from sales_tasks t join users u on u.id = t.owner_id left join accounts a on a.id = t.account_id
where t.status = 'open' and t.due_at < $3
  and (t.owner_id in (select visible_rep_ids($1, $2)) or t.account_id in (select visible_account_ids($1, $2)))
  and ($4::bigint is null or t.owner_id = $4)
  and ($5::timestamptz is null or (t.due_at, t.id) > ($5, $6::uuid))
order by t.due_at, t.id
limit $7;

-- name: deals_without_task
-- Control list: open deals on accounts the caller sees with no open task about them (a task whose
-- deal_id is the deal), longest in their stage first.
select d.id as deal_id, d.title, d.account_id, a.name as account_name, d.owner_id, u.name as owner_name,
       p.code as pipeline_code, s.code as stage_code, s.name as stage_name, d.amount::float8 as amount,
       d.stage_entered_at,
       (select max(t.done_at) from sales_tasks t where t.deal_id = d.id and t.status = 'done') as last_task_done_at
from deals d
join accounts a on a.id = d.account_id
join users u on u.id = d.owner_id
join pipeline_stages s on s.id = d.stage_id
join pipelines p on p.id = d.pipeline_id
where d.status = 'open'
  and d.account_id in (select visible_account_ids($1, $2))
  and ($3::bigint is null or d.owner_id = $3)
  and not exists (select 1 from sales_tasks t where t.deal_id = d.id and t.status = 'open')
  and ($4::timestamptz is null or (d.stage_entered_at, d.id) > ($4, $5::uuid))
order by d.stage_entered_at, d.id
limit $6;

-- name: stuck_deals
-- Control list: open deals on accounts the caller sees whose time in the stage (whole 24-hour
-- periods since stage_entered_at, up to $3) exceeds the stage's norm_days; the longest over first
-- (ordered by when they became stuck: stage_entered_at + norm_days x 24 h).
select d.id as deal_id, d.title, d.account_id, a.name as account_name, d.owner_id, u.name as owner_name,
       p.code as pipeline_code, s.code as stage_code, s.name as stage_name, s.norm_days, d.stage_entered_at,
       floor(extract(epoch from ($3 - d.stage_entered_at)) / 86400)::integer as days_in_stage,
       floor(extract(epoch from ($3 - d.stage_entered_at)) / 86400)::integer - s.norm_days as days_over
from deals d
join accounts a on a.id = d.account_id
join users u on u.id = d.owner_id
join pipeline_stages s on s.id = d.stage_id
join pipelines p on p.id = d.pipeline_id
where d.status = 'open' and s.norm_days is not null
  and d.stage_entered_at + (s.norm_days + 1) * interval '24 hours' <= $3
  and d.account_id in (select visible_account_ids($1, $2))
  and ($4::bigint is null or d.owner_id = $4)
  and ($5::timestamptz is null
       or (d.stage_entered_at + s.norm_days * interval '24 hours', d.id) > ($5, $6::uuid))
order by d.stage_entered_at + s.norm_days * interval '24 hours', d.id
limit $7;
