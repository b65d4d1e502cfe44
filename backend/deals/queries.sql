-- name: insert_pipeline
-- Nothing when the code is taken.
insert into pipelines (code, name, goal, won_requires_order, is_active)
values ($1, $2, $3, $4, $5)
on conflict (code) do nothing
returning id;

-- name: update_pipeline
-- Nothing when another pipeline has the code.
update pipelines set code = $2, name = $3, goal = $4, won_requires_order = $5, is_active = $6
where id = $1 and not exists (select 1 from pipelines p where p.code = $2 and p.id <> $1)
returning id;

-- name: insert_stages
insert into pipeline_stages (pipeline_id, position, code, name, outcome, is_key, is_qualified, required, norm_days)
select $1, t.position, t.code, t.name, t.outcome, t.is_key, t.is_qualified, t.required, t.norm_days
from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[], $8::bool[], $9::int[])
    as t(position, code, name, outcome, is_key, is_qualified, required, norm_days);

-- name: park_stages
-- Moves the stages out of the way (positions and key/qualified marks are unique per pipeline) before
-- they are rewritten in place.
update pipeline_stages set position = position + 100000, is_key = false, is_qualified = false
where pipeline_id = $1;

-- name: update_stage
update pipeline_stages
set position = $3, name = $4, outcome = $5, is_key = $6, is_qualified = $7, required = $8, norm_days = $9
where pipeline_id = $1 and code = $2;

-- name: delete_stages_not_in
-- The stages whose codes are no longer listed (their hand-over rules go with them).
delete from pipeline_stages where pipeline_id = $1 and code <> all($2::text[]);

-- name: lock_pipeline
select id from pipelines where id = $1 for update;

-- name: pipelines
select p.id, p.code, p.name, p.goal, p.won_requires_order, p.is_active, p.created_at,
       (select count(*) from deals d where d.pipeline_id = p.id)::int as deal_count
from pipelines p
where ($1::bigint is null or p.id = $1)
order by p.id;

-- name: stages_of_pipelines
select s.pipeline_id, s.id, s.position, s.code, s.name, s.outcome, s.is_key, s.is_qualified, s.required, s.norm_days
from pipeline_stages s
where s.pipeline_id = any($1::bigint[])
order by s.pipeline_id, s.position;

-- name: pipeline_by_ref
-- By id ($1) or code ($2).
select p.id, p.is_active, p.won_requires_order from pipelines p where p.id = $1 or p.code = $2;

-- name: default_pipeline
-- The oldest active pipeline of a goal.
select p.id from pipelines p where p.goal = $1 and p.is_active order by p.id limit 1;

-- name: insert_rule
insert into handover_rules (pipeline_id, trigger, stage_id, from_role, to_role, is_active)
values ($1, $2, $3, $4, $5, $6)
returning id;

-- name: rules_of_pipeline
select r.id, r.pipeline_id, r.trigger, r.stage_id, s.code as stage_code, r.from_role, r.to_role, r.is_active
from handover_rules r left join pipeline_stages s on s.id = r.stage_id
where r.pipeline_id = $1 and ($2::bigint is null or r.id = $2)
order by r.id;

-- name: active_rule_like
-- An active rule of the pipeline with the same trigger and stage (two would contradict each other).
select r.id from handover_rules r
where r.pipeline_id = $1 and r.trigger = $2 and r.stage_id is not distinct from $3 and r.is_active
  and ($4::bigint is null or r.id <> $4)
limit 1;

-- name: set_rule_active
update handover_rules set is_active = $3 where pipeline_id = $1 and id = $2 returning id;

-- name: stage_rules
-- The pipeline's active stage_reached rules with the position of their stage.
select r.id, r.from_role, r.to_role, s.position
from handover_rules r join pipeline_stages s on s.id = r.stage_id
where r.pipeline_id = $1 and r.trigger = 'stage_reached' and r.is_active
order by s.position, r.id;

-- name: delivered_rules
-- Active first_delivered_order rules of the pipelines in which the account has a won deal, with that
-- deal (the latest won per pipeline).
select distinct on (r.id) r.id, r.from_role, r.to_role, d.id as deal_id, d.owner_id
from handover_rules r
join deals d on d.pipeline_id = r.pipeline_id and d.account_id = $1 and d.status = 'won'
where r.trigger = 'first_delivered_order' and r.is_active
order by r.id, d.closed_at desc;

-- name: delivered_moves
-- How many times an order of the account has moved to delivered (1: the move just made is the first).
select count(*)::int from order_status_changes c join orders o on o.id = c.order_id
where o.account_id = $1 and c.to_status = 'delivered';

-- name: user_ref
select u.id, u.name, u.role, u.sales_role, u.is_active from users u where u.id = $1;

-- name: user_id_by_email
select id from users where email = $1;

-- name: territory_id_by_code
select id from territories where code = $1;

-- name: user_sales_role
select u.id as user_id, u.email, u.name, u.sales_role from users u where u.id = $1;

-- name: set_user_sales_role
update users set sales_role = $2 where id = $1;

-- name: territories_held_in_other_role
-- Territories where the user plays a sales role other than $2.
select territory_id from territory_sales_roles
where user_id = $1 and ($2::text is null or sales_role <> $2)
order by territory_id;

-- name: territory_in_scope
select t.id from territories t where t.id = $3 and t.id in (select visible_territory_ids($1, $2));

-- name: upsert_territory_role
insert into territory_sales_roles (territory_id, sales_role, user_id) values ($1, $2, $3)
on conflict (territory_id, sales_role) do update set user_id = excluded.user_id;

-- name: delete_territory_role
delete from territory_sales_roles where territory_id = $1 and sales_role = $2;

-- name: territory_roles
select r.territory_id, r.sales_role, r.user_id, u.name as user_name
from territory_sales_roles r join users u on u.id = r.user_id
where r.territory_id = $1
order by r.sales_role;

-- name: role_holder
-- The active user who plays the role for the territory.
select r.user_id from territory_sales_roles r join users u on u.id = r.user_id
where r.territory_id = $1 and r.sales_role = $2 and u.is_active;

-- name: account_in_scope
select a.id, a.name, a.territory_id, a.account_manager_id from accounts a
where a.id = $3 and a.id in (select visible_account_ids($1, $2));

-- name: account_readable
-- An account the caller reads (readable_account_ids, migration 0017: the accounts they work and those
-- they or their team handed over), for the deal list's account filter.
select a.id from accounts a where a.id = $3 and a.id in (select readable_account_ids($1, $2));

-- name: account_by_id
select a.id, a.name, a.territory_id, a.account_manager_id from accounts a where a.id = $1 for update;

-- name: rep_visible
select u.id from users u where u.id = $3 and u.id in (select visible_rep_ids($1, $2));

-- name: insert_deal
-- Nothing when the id is taken or the account has an open deal in the pipeline.
insert into deals (id, pipeline_id, account_id, stage_id, status, owner_id, source, amount, expected_close_day,
                   title, created_by, created_at, stage_entered_at)
values ($1, $2, $3, $4, 'open', $5, $6, $7::numeric, $8, $9, $10, $11, $11)
on conflict do nothing
returning id;

-- name: deal_exists
select id from deals where id = $1;

-- name: open_deal_of
select id from deals where account_id = $1 and pipeline_id = $2 and status = 'open';

-- name: insert_stage_change
insert into deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at)
values ($1, $2, $3, $4, $5);

-- name: deal_in_scope
-- The deal if the caller may read it: of an account they read (readable_account_ids, migration 0017:
-- the accounts they work and those they or their team handed over, so the previous owner keeps read
-- access, by the same rule as the account card), or owned by someone they see.
select d.id, d.pipeline_id, p.code as pipeline_code, d.account_id, a.name as account_name, d.stage_id,
       s.code as stage_code, s.name as stage_name, d.status, d.owner_id, o.name as owner_name, d.source,
       d.amount::float8 as amount, d.expected_close_day, d.title, d.lost_reason, d.created_by, d.created_at,
       d.stage_entered_at, d.closed_at
from deals d
join pipelines p on p.id = d.pipeline_id
join accounts a on a.id = d.account_id
join pipeline_stages s on s.id = d.stage_id
join users o on o.id = d.owner_id
where d.id = $3
  and (d.account_id in (select readable_account_ids($1, $2))
       or d.owner_id in (select visible_rep_ids($1, $2)));

-- name: deal_writable
-- The deal's owner is the caller, of the caller's team (a supervisor) or anyone (an admin).
select d.id from deals d where d.id = $3 and d.owner_id in (select visible_rep_ids($1, $2));

-- name: list_deals
-- Deals the caller may read (as deal_in_scope), newest first, after the cursor ($9 created_at, $10 id).
select d.id, d.pipeline_id, p.code as pipeline_code, d.account_id, a.name as account_name, d.stage_id,
       s.code as stage_code, s.name as stage_name, d.status, d.owner_id, o.name as owner_name, d.source,
       d.amount::float8 as amount, d.expected_close_day, d.title, d.lost_reason, d.created_by, d.created_at,
       d.stage_entered_at, d.closed_at
from deals d
join pipelines p on p.id = d.pipeline_id
join accounts a on a.id = d.account_id
join pipeline_stages s on s.id = d.stage_id
join users o on o.id = d.owner_id
where (d.account_id in (select readable_account_ids($1, $2))
       or d.owner_id in (select visible_rep_ids($1, $2)))
  and ($3::bigint is null or d.pipeline_id = $3)
  and ($4::text is null or s.code = $4 or s.id::text = $4)
  and ($5::bigint is null or d.owner_id = $5)
  and ($6::text is null or d.status = $6)
  and ($7::bigint is null or d.account_id = $7)
  and ($9::timestamptz is null or (d.created_at, d.id) < ($9, $10::uuid))
order by d.created_at desc, d.id desc
limit $8;

-- name: deal_history
select c.from_stage_id, f.code as from_stage, c.to_stage_id, t.code as to_stage, c.changed_by, c.changed_at
from deal_stage_changes c
left join pipeline_stages f on f.id = c.from_stage_id
join pipeline_stages t on t.id = c.to_stage_id
where c.deal_id = $1
order by c.changed_at, c.id;

-- name: deal_handovers
select h.id, h.deal_id, h.account_id, h.from_user_id, h.to_user_id, h.rule_id, h.reason, h.created_by, h.created_at
from handovers h where h.deal_id = $1
order by h.created_at, h.id;

-- name: lock_deal
select d.id, d.pipeline_id, d.account_id, a.territory_id, d.stage_id, d.status, d.owner_id,
       u.sales_role as owner_sales_role, d.created_at
from deals d join accounts a on a.id = d.account_id join users u on u.id = d.owner_id
where d.id = $1
for update of d;

-- name: visited_stages
select distinct to_stage_id from deal_stage_changes where deal_id = $1;

-- name: move_deal
update deals
set stage_id = $2, status = $3, lost_reason = $4, stage_entered_at = $5, closed_at = $6, updated_at = now()
where id = $1;

-- name: set_deal_owner
update deals set owner_id = $2, updated_at = now() where id = $1;

-- name: insert_handover
insert into handovers (deal_id, account_id, from_user_id, to_user_id, rule_id, reason, created_by, created_at)
values ($1, $2, $3, $4, $5, $6, $7, $8)
returning id;

-- name: account_order_since
-- An order of the account that counts for "won" (not a draft, not cancelled) taken at or after $2.
select o.id from orders o
where o.account_id = $1 and o.status not in ('draft', 'cancelled') and o.ordered_at >= $2
limit 1;

-- name: set_account_manager
update accounts set account_manager_id = $2 where id = $1;
