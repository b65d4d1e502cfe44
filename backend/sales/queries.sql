-- name: rep_ids_by_email
select id, email from users where role = 'rep' and email = any($1::text[]);

-- name: upsert_month
-- An empty cell ($5/$6 NULL) keeps the stored value; a value replaces it.
insert into sales_monthly (rep_id, category, region, month, plan_amount, actual_amount, source_file, plan_units,
                           actual_units)
values ($1, $2, $3, $4, $5::numeric, $6::numeric, $7, $8::numeric, $9::numeric)
on conflict (rep_id, category, region, month) do update
set plan_amount = coalesce(excluded.plan_amount, sales_monthly.plan_amount),
    actual_amount = coalesce(excluded.actual_amount, sales_monthly.actual_amount),
    plan_units = coalesce(excluded.plan_units, sales_monthly.plan_units),
    actual_units = coalesce(excluded.actual_units, sales_monthly.actual_units),
    source_file = excluded.source_file,
    imported_at = now();

-- name: facts_in_scope
-- Monthly figures of the reps in the caller's scope (a supervisor's team, an admin all) whose month
-- lies in [$3, $4].
select s.rep_id, u.name as rep_name, s.category, s.region, s.month,
       s.plan_amount::float8 as plan_amount, s.actual_amount::float8 as actual_amount
from sales_monthly s join users u on u.id = s.rep_id
where s.rep_id in (select visible_rep_ids($1, $2))
  and s.month between $3::date and $4::date
order by s.month, s.rep_id, s.category, s.region;

-- name: upsert_plan
-- A plan set through the API: amount and units replace the stored plan (actuals are untouched).
insert into sales_monthly (rep_id, category, region, month, plan_amount, plan_units, source_file)
values ($1, $2, $3, $4, $5::numeric, $6::numeric, 'api')
on conflict (rep_id, category, region, month) do update
set plan_amount = excluded.plan_amount, plan_units = excluded.plan_units, source_file = 'api', imported_at = now();

-- name: reps_in_scope
select u.id from users u where u.role = 'rep' and u.id = any($3::bigint[]) and u.id in (select visible_rep_ids($1, $2));

-- name: plans_in_scope
-- Plans and imported actuals of the reps in the caller's scope, months [$3, $4].
select s.rep_id, u.name as rep_name, s.category, s.region, s.month,
       s.plan_amount::float8 as plan_amount, s.plan_units::float8 as plan_units,
       s.actual_amount::float8 as actual_amount, s.actual_units::float8 as actual_units
from sales_monthly s join users u on u.id = s.rep_id
where s.rep_id in (select visible_rep_ids($1, $2))
  and s.month between $3::date and $4::date;

-- name: order_fact_grouped
-- Order fact (statuses $5) of the reps in the caller's scope over months [$3, $4] (first days), from
-- the monthly roll-up, per group $7 (rep, category, region, month or quarter); only territory $6
-- when given.
select case $7::text
           when 'rep' then f.rep_id::text
           when 'category' then r.code
           when 'region' then coalesce(t.region, '(none)')
           when 'month' then to_char(f.month, 'YYYY-MM')
           else to_char(f.month, 'YYYY-"Q"Q')
       end as key,
       min(case when $7::text = 'rep' then u.name end) as rep_name,
       sum(f.amount)::float8 as amount, sum(f.units)::float8 as units
from order_month_facts f
join product_categories r on r.id = f.category_id
join users u on u.id = f.rep_id
left join territories t on t.id = f.territory_id
where f.month between $3::date and $4::date
  and f.status = any($5::text[])
  and f.rep_id in (select visible_rep_ids($1, $2))
  and ($6::bigint is null or f.territory_id = $6)
group by 1;

-- name: plans_grouped
-- Plans and imported actuals of the reps in the caller's scope, months [$3, $4], per group $5.
select case $5::text
           when 'rep' then s.rep_id::text
           when 'category' then s.category
           when 'region' then s.region
           when 'month' then to_char(s.month, 'YYYY-MM')
           else to_char(s.month, 'YYYY-"Q"Q')
       end as key,
       min(case when $5::text = 'rep' then u.name end) as rep_name,
       coalesce(sum(s.plan_amount), 0)::float8 as plan_amount, coalesce(sum(s.plan_units), 0)::float8 as plan_units,
       coalesce(sum(s.actual_amount), 0)::float8 as actual_amount,
       coalesce(sum(s.actual_units), 0)::float8 as actual_units
from sales_monthly s join users u on u.id = s.rep_id
where s.rep_id in (select visible_rep_ids($1, $2))
  and s.month between $3::date and $4::date
group by 1;

-- name: order_kpis
-- Per group ($6: rep, territory, region, channel or month) and in total (the last row, key null), over fact orders (statuses $5) taken
-- on days [$3, $4] by reps in the caller's scope (only territory $7, only the accounts of segment $8 when
-- given): orders, lines, amount,
-- units, the accounts with fact orders (fact statuses are among those of active_account_ids, so these
-- are the group's active accounts) and the sum over them of their distinct root categories (bits of
-- the union of their orders' category masks).
with per_account as (
    select case $6::text
               when 'rep' then o.rep_id::text
               when 'territory' then coalesce(o.territory_id::text, '')
               when 'region' then coalesce((select t.region from territories t where t.id = o.territory_id), '(none)')
               when 'channel' then (select a.channel from accounts a where a.id = o.account_id)
               when 'month' then to_char(o.order_day, 'YYYY-MM')
               else 'all'
           end as key,
           o.account_id, count(*) as orders, sum(o.line_count) as lines, sum(o.total_amount) as amount,
           sum(o.total_units) as units, bit_or(o.category_mask) as mask
    from orders o
    where o.order_day between $3::date and $4::date
      and o.status = any($5::text[])
      and o.rep_id in (select visible_rep_ids($1, $2))
      and ($7::bigint is null or o.territory_id = $7)
      and ($8::bigint is null or o.account_id in (select m.account_id from segment_members m where m.segment_id = $8))
    group by 1, o.account_id
)
(select key, sum(orders)::int as orders, sum(lines)::int as lines, coalesce(sum(amount), 0)::float8 as amount,
        coalesce(sum(units), 0)::float8 as units, count(*)::int as akb,
        coalesce(sum(bit_count(mask::bit(64))), 0)::int as category_pairs
 from per_account
 group by key
 order by key)
union all
-- The total (key null): each account once, with the union of its categories over the groups.
select null, coalesce(sum(orders), 0)::int, coalesce(sum(lines), 0)::int, coalesce(sum(amount), 0)::float8,
       coalesce(sum(units), 0)::float8, count(*)::int, coalesce(sum(bit_count(mask::bit(64))), 0)::int
from (select account_id, sum(orders) as orders, sum(lines) as lines, sum(amount) as amount, sum(units) as units,
             bit_or(mask) as mask
      from per_account group by account_id) accounts;

-- name: active_base
-- Per territory in the caller's scope: OKB (accounts not closed) and AKB (accounts in
-- active_account_ids($3, $4)).
select t.id as territory_id, t.name as territory, coalesce(t.region, '(none)') as region,
       count(a.id) filter (where a.status <> 'closed')::int as okb,
       count(a.id) filter (where a.id in (select active_account_ids($3::date, $4::date)))::int as akb
from territories t
left join accounts a on a.territory_id = t.id
where t.id in (select visible_territory_ids($1, $2))
  and ($5::bigint is null or t.id = $5)
group by t.id, t.name, t.region
order by t.name, t.id;

-- name: churn
-- Per territory in the caller's scope: active in the previous period [$5, $6], in this one [$3, $4],
-- churned (previous, not now), returned (now, not previous, active before $5), new (now, never before).
with now_active as (
    select active_account_ids($3::date, $4::date) as id
), prev_active as (
    select active_account_ids($5::date, $6::date) as id
), earlier as (
    select active_account_ids('0001-01-01'::date, $5::date - 1) as id
)
select t.id as territory_id, t.name as territory, coalesce(t.region, '(none)') as region,
       count(a.id) filter (where a.id in (select id from prev_active))::int as active_previous,
       count(a.id) filter (where a.id in (select id from now_active))::int as active_now,
       count(a.id) filter (where a.id in (select id from prev_active)
                             and a.id not in (select id from now_active))::int as churned,
       count(a.id) filter (where a.id in (select id from now_active) and a.id not in (select id from prev_active)
                             and a.id in (select id from earlier))::int as returned,
       count(a.id) filter (where a.id in (select id from now_active) and a.id not in (select id from prev_active)
                             and a.id not in (select id from earlier))::int as new
from territories t
left join accounts a on a.territory_id = t.id
where t.id in (select visible_territory_ids($1, $2))
  and ($7::bigint is null or t.id = $7)
group by t.id, t.name, t.region
order by t.name, t.id;

-- name: churned_accounts
-- The accounts behind the churn figure, for the supervisor to call on.
select a.id as account_id, a.name as account_name, a.territory_id
from accounts a
where a.territory_id in (select visible_territory_ids($1, $2))
  and a.id in (select active_account_ids($5::date, $6::date))
  and a.id not in (select active_account_ids($3::date, $4::date))
order by a.territory_id, a.name;

-- name: monthly_fact_by_category
-- Order fact (statuses $5) per root category and month, reps in the caller's scope, months [$3, $4].
select r.code as category, f.month, sum(f.amount)::float8 as amount
from order_month_facts f join product_categories r on r.id = f.category_id
where f.month between $3::date and $4::date
  and f.status = any($5::text[])
  and f.rep_id in (select visible_rep_ids($1, $2))
group by r.code, f.month;

-- name: rep_names
select id, name from users where id = any($1::bigint[]);

-- name: territory_names
select id, name from territories where id = any($1::bigint[]);

-- name: shelf_counts
-- Checklist answers to items bound to the catalogue (a sku or a brand), of visits by reps in the
-- caller's scope on local days [$3, $4] (time zone $5), counted per group ($6: territory, channel,
-- rep or brand). An item's brand is its product's brand or the brand it names; must-stock is the
-- account's channel and class list.
with facts as (
    select case $6::text
               when 'territory' then coalesce(a.territory_id::text, '')
               when 'channel' then a.channel
               when 'rep' then v.rep_id::text
               else b.name
           end as key,
           v.id as visit_id, it.value ->> 'type' as item_type, b.is_own,
           exists (select 1 from must_stock m
                   where m.product_id = p.id and m.channel = a.channel and m.account_class = a.account_class)
               as must_stock,
           an.value -> 'value' as answer
    from visit_checklists vc
    join visits v on v.id = vc.visit_id
    join accounts a on a.id = v.account_id
    join checklist_templates t on t.id = vc.template_id
    cross join lateral jsonb_array_elements(t.items) as it(value)
    join lateral jsonb_array_elements(vc.answers) as an(value) on an.value ->> 'item' = it.value ->> 'key'
    left join products p on p.sku = it.value ->> 'sku'
    join brands b on b.id = p.brand_id or (p.id is null and b.name = it.value ->> 'brand')
    where v.rep_id in (select visible_rep_ids($1, $2))
      and (v.checked_in_at at time zone $5::text)::date between $3::date and $4::date
      and (it.value ? 'sku' or it.value ? 'brand')
      and an.value -> 'value' is not null and an.value -> 'value' <> 'null'::jsonb
)
select key,
       count(distinct visit_id)::int as visits,
       count(*) filter (where item_type = 'yes_no' and is_own)::int as presence_checks,
       count(*) filter (where item_type = 'yes_no' and is_own and answer = 'false'::jsonb)::int as out_of_stock,
       count(*) filter (where item_type = 'yes_no' and must_stock)::int as must_stock_checks,
       count(*) filter (where item_type = 'yes_no' and must_stock and answer = 'true'::jsonb)::int as must_stock_present,
       count(*) filter (where item_type in ('yes_no', 'menu_listing') and not is_own)::int as competitor_checks,
       count(*) filter (where item_type in ('yes_no', 'menu_listing') and not is_own
                          and answer = 'true'::jsonb)::int as competitor_present,
       count(*) filter (where item_type = 'menu_listing' and is_own)::int as listing_checks,
       count(*) filter (where item_type = 'menu_listing' and is_own and answer = 'true'::jsonb)::int as listed,
       coalesce(sum((answer #>> '{}')::float8) filter (where item_type = 'count' and is_own), 0)::float8
           as own_facings,
       avg((answer #>> '{}')::float8) filter (where item_type = 'share_of_shelf' and is_own) as own_share_pct,
       avg((answer #>> '{}')::float8) filter (where item_type = 'share_of_shelf' and not is_own)
           as competitor_share_pct
from facts
group by key
order by key;

-- name: report_settings
-- For the rest of this transaction: plan each report query for its own parameters (a cached generic
-- plan made for one territory and month is a disaster for a whole year, and the reverse), and let
-- its aggregates hash in memory.
select set_config('plan_cache_mode', 'force_custom_plan', true), set_config('work_mem', '64MB', true);
