-- Segments. The `rule_*` queries are the whitelist the repository compiles rules from: each returns
-- the ids of the accounts matching one condition (column account_id), with every value a parameter;
-- the repository renumbers their parameters and ANDs / ORs them as `a.id in (...)`.

-- name: rule_channel
-- $1 channels; $2 negate (ne / not_in).
select a.id as account_id from accounts a
where coalesce(a.channel = any($1::text[]), false) <> $2::boolean;

-- name: rule_account_class
select a.id as account_id from accounts a
where coalesce(a.account_class = any($1::text[]), false) <> $2::boolean;

-- name: rule_status
select a.id as account_id from accounts a
where coalesce(a.status = any($1::text[]), false) <> $2::boolean;

-- name: rule_city
-- $1 cities in lower case (account_city, migration 0018); not_in also matches accounts without a city.
select a.id as account_id from accounts a
where coalesce(account_city(a.address) = any($1::text[]), false) <> $2::boolean;

-- name: rule_territory_id
-- not_in also matches accounts without a territory.
select a.id as account_id from accounts a
where coalesce(a.territory_id = any($1::bigint[]), false) <> $2::boolean;

-- name: rule_category
-- Accounts with (negate $5: without) a fact order line (statuses $4) taken on a day in [$2, $3] of a
-- product in one of the categories $1 (a code or a path; a category includes its sub-categories).
select a.id as account_id from accounts a
where exists (
    select 1 from order_lines l
    join products p on p.id = l.product_id
    join product_categories c on c.id = p.category_id
    join product_categories w on (w.code = any($1::text[]) or w.path = any($1::text[]))
                             and (c.path = w.path or c.path like w.path || '/%')
    where l.account_id = a.id
      and l.order_day between $2::date and $3::date
      and l.status = any($4::text[])
) <> $5::boolean;

-- name: rule_last_order_age
-- Age = today ($3) - the day of the last fact order (statuses $4) taken on or before today. An account
-- that never ordered matches only `never` ($5); the others only when low ($1) <= age <= high ($2)
-- (a null bound: no bound).
select a.id as account_id from accounts a
left join lateral (
    select max(o.order_day) as last_day from orders o
    where o.account_id = a.id and o.status = any($4::text[]) and o.order_day <= $3::date
) last on true
where case when last.last_day is null then $5::boolean
           else not $5::boolean
                and ($1::int is null or $3::date - last.last_day >= $1::int)
                and ($2::int is null or $3::date - last.last_day <= $2::int)
      end;

-- name: rule_turnover_band
-- 12-month turnover = the sum of the account's fact orders (statuses $5) taken on days [$3, $4];
-- band A when >= $6, B when >= $7, C when >= $8, else D (no turnover is D). $1 bands, $2 negate.
select a.id as account_id from accounts a
left join lateral (
    select coalesce(sum(o.total_amount), 0) as amount from orders o
    where o.account_id = a.id and o.status = any($5::text[]) and o.order_day between $3::date and $4::date
) turnover on true
where (case when turnover.amount >= $6::numeric then 'A'
            when turnover.amount >= $7::numeric then 'B'
            when turnover.amount >= $8::numeric then 'C'
            else 'D' end = any($1::text[])) <> $2::boolean;

-- name: rule_deal_stage
-- An open deal of the account whose current stage has code $2[i] (in pipeline $1[i]; '' any pipeline).
select a.id as account_id from accounts a
where exists (
    select 1 from deals d
    join pipeline_stages s on s.id = d.stage_id
    join pipelines p on p.id = d.pipeline_id
    join unnest($1::text[], $2::text[]) wanted (pipeline_code, stage_code)
      on s.code = wanted.stage_code and (wanted.pipeline_code = '' or p.code = wanted.pipeline_code)
    where d.account_id = a.id and d.status = 'open'
) <> $3::boolean;

-- name: rule_deal_pipeline
-- An open deal of the account in a pipeline of code $1.
select a.id as account_id from accounts a
where exists (
    select 1 from deals d join pipelines p on p.id = d.pipeline_id
    where d.account_id = a.id and d.status = 'open' and p.code = any($1::text[])
) <> $2::boolean;

-- name: known_category_keys
-- Which of $1 are a category code or path of the catalogue.
select distinct k.key from unnest($1::text[]) k (key)
where exists (select 1 from product_categories c where c.code = k.key or c.path = k.key);

-- name: known_pipeline_codes
select p.code from pipelines p where p.code = any($1::text[]);

-- name: known_stage_keys
-- Which of $1 ("stage" or "pipeline:stage") name a stage of some pipeline.
select k.key from unnest($1::text[]) k (key)
where exists (
    select 1 from pipeline_stages s join pipelines p on p.id = s.pipeline_id
    where s.code = split_part(k.key, ':', 2) and p.code = split_part(k.key, ':', 1)
       or (position(':' in k.key) = 0 and s.code = k.key)
);

-- name: insert_segment
insert into segments (name, description, rules, visibility, owner_id, created_by, created_at, updated_at)
values ($1, $2, $3::jsonb, $4, $5, $5, $6, $6)
returning id;

-- name: update_segment
update segments set name = $2, description = $3, rules = $4::jsonb, visibility = $5, updated_at = $6
where id = $1;

-- name: delete_segment
delete from segments where id = $1;

-- name: name_taken
-- Another segment of the owner with the same name (case-insensitive); $3: the segment being edited.
select exists (
    select 1 from segments s
    where s.owner_id = $1 and lower(btrim(s.name)) = lower(btrim($2)) and ($3::bigint is null or s.id <> $3)
);

-- name: lock_segment
-- Held while a segment is saved or evaluated, so two evaluations never log the same change twice.
select s.id from segments s where s.id = $1 for update;

-- name: readable_segment
-- The segment when the caller ($2 role, $3 user) may read it: visibility everyone; or its owner is in
-- the caller's scope (the owner themselves, an admin); or visibility team and the caller is in the
-- owner's scope (a supervisor's team).
select s.id, s.name, s.description, s.rules::text as rules, s.visibility, s.owner_id, u.name as owner_name,
       s.created_at, s.updated_at, s.evaluated_at
from segments s join users u on u.id = s.owner_id
where s.id = $1
  and (s.visibility = 'everyone'
       or s.owner_id in (select visible_rep_ids($2, $3))
       or (s.visibility = 'team' and $3::bigint in (select visible_rep_ids(u.role, u.id))));

-- name: list_segments
-- The segments the caller may read (as readable_segment), by name; each with its member count in the caller's scope.
with seen as (select visible_account_ids($1, $2) as account_id)
select s.id, s.name, s.description, s.rules::text as rules, s.visibility, s.owner_id, u.name as owner_name,
       s.created_at, s.updated_at, s.evaluated_at,
       (select count(*) from segment_members m
        where m.segment_id = s.id and m.account_id in (select account_id from seen))::int as member_count
from segments s join users u on u.id = s.owner_id
where (s.visibility = 'everyone'
       or s.owner_id in (select visible_rep_ids($1, $2))
       or (s.visibility = 'team' and $2::bigint in (select visible_rep_ids(u.role, u.id))))
  and ($3::text is null or (s.name, s.id) > ($3::text, $4::bigint))
order by s.name, s.id
limit $5;

-- name: member_count
select count(*)::int from segment_members m
where m.segment_id = $1 and m.account_id in (select visible_account_ids($2, $3));

-- name: list_members
-- Members in the caller's scope ($2 role, $3 user), by name; keyset ($4 name, $5 id).
select a.id, a.name, a.address, a.channel, a.account_class, a.status, a.territory_id, a.account_manager_id,
       m.entered_at
from segment_members m join accounts a on a.id = m.account_id
where m.segment_id = $1
  and a.id in (select visible_account_ids($2, $3))
  and ($4::text is null or (a.name, a.id) > ($4::text, $5::bigint))
order by a.name, a.id
limit $6;

-- name: account_briefs
-- The accounts $1 (members of a preview) in the caller's scope, by name, the first $4.
select a.id, a.name, a.address, a.channel, a.account_class, a.status, a.territory_id, a.account_manager_id,
       null::timestamptz as entered_at
from accounts a
where a.id = any($1::bigint[]) and a.id in (select visible_account_ids($2, $3))
order by a.name, a.id
limit $4;

-- name: list_changes
-- Entries and exits of members in the caller's scope, newest first; keyset on the change id ($4).
select c.id, c.account_id, a.name as account_name, c.change, c.changed_at
from segment_membership_changes c join accounts a on a.id = c.account_id
where c.segment_id = $1
  and c.account_id in (select visible_account_ids($2, $3))
  and ($4::bigint is null or c.id < $4)
order by c.id desc
limit $5;

-- name: apply_members
-- Make the stored members of segment $1 the accounts $2, writing an entered row for each new member
-- and a left row for each one gone, at $3. Returns (entered, exited).
with wanted as (
    select unnest($2::bigint[]) as account_id
),
gone as (
    delete from segment_members m
    where m.segment_id = $1 and m.account_id not in (select account_id from wanted)
    returning m.account_id
),
came as (
    insert into segment_members (segment_id, account_id, entered_at)
    select $1, w.account_id, $3 from wanted w
    on conflict (segment_id, account_id) do nothing
    returning account_id
),
logged as (
    insert into segment_membership_changes (segment_id, account_id, change, changed_at)
    select $1, account_id, 'entered', $3 from came
    union all
    select $1, account_id, 'left', $3 from gone
    returning change
)
select count(*) filter (where change = 'entered')::int as entered,
       count(*) filter (where change = 'left')::int as exited
from logged;

-- name: mark_evaluated
update segments set evaluated_at = $2 where id = $1;

-- name: due_segment_ids
-- Segments never evaluated or last evaluated at or before $1, oldest first; locked, skipping those
-- another transaction is saving or evaluating.
select s.id from segments s
where s.evaluated_at is null or s.evaluated_at <= $1
order by s.evaluated_at nulls first, s.id
for update skip locked;

-- name: segment_rules
select s.rules::text from segments s where s.id = $1;

-- name: purge_changes
with purged as (delete from segment_membership_changes where changed_at < $1 returning 1)
select count(*)::int from purged;

-- name: task_targets
-- The members of segment $1 in the caller's scope with the person a task goes to: the account's
-- manager when active, else the owner of its territory when active (null: nobody).
select a.id as account_id,
       coalesce((select u.id from users u where u.id = a.account_manager_id and u.is_active),
                (select u.id from territories t join users u on u.id = t.owner_rep_id
                 where t.id = a.territory_id and u.is_active)) as owner_id
from segment_members m join accounts a on a.id = m.account_id
where m.segment_id = $1 and a.id in (select visible_account_ids($2, $3))
order by a.id;

-- name: existing_tasks
select t.id, t.account_id, t.owner_id, t.kind, t.title, t.note, t.due_at, t.remind_at
from sales_tasks t where t.id = any($1::uuid[]);
