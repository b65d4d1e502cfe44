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

-- name: order_fact_monthly
-- Order fact (statuses $5) of the reps in the caller's scope per rep x root category x region x month,
-- order days [$3, $4]; only territory $6 when given.
select l.rep_id, u.name as rep_name, r.code as category, coalesce(t.region, '(none)') as region,
       date_trunc('month', l.order_day)::date as month,
       sum(l.amount)::float8 as amount, sum(l.quantity)::float8 as units
from order_lines l
join product_categories r on r.id = l.category_id
join users u on u.id = l.rep_id
left join territories t on t.id = l.territory_id
where l.order_day between $3::date and $4::date
  and l.status = any($5::text[])
  and l.rep_id in (select visible_rep_ids($1, $2))
  and ($6::bigint is null or l.territory_id = $6)
group by l.rep_id, u.name, r.code, coalesce(t.region, '(none)'), date_trunc('month', l.order_day);

-- name: order_kpis
-- Per group ($6: rep, territory, region, channel or all): fact orders, lines, amount, units, and the
-- active accounts (active_account_ids) with fact orders in the group and their (account, root category)
-- pairs. Reps in the caller's scope; order days [$3, $4]; statuses $5; only territory $7 when given.
with fact as (
    select case $6::text
               when 'rep' then l.rep_id::text
               when 'territory' then coalesce(l.territory_id::text, '')
               when 'region' then coalesce(t.region, '(none)')
               when 'channel' then a.channel
               else 'all'
           end as key,
           l.order_id, l.account_id, l.category_id, l.amount, l.quantity
    from order_lines l
    join accounts a on a.id = l.account_id
    left join territories t on t.id = l.territory_id
    where l.order_day between $3::date and $4::date
      and l.status = any($5::text[])
      and l.rep_id in (select visible_rep_ids($1, $2))
      and ($7::bigint is null or l.territory_id = $7)
), active as (
    select active_account_ids($3::date, $4::date) as account_id
)
select f.key, count(distinct f.order_id)::int as orders, count(*)::int as lines,
       coalesce(sum(f.amount), 0)::float8 as amount, coalesce(sum(f.quantity), 0)::float8 as units,
       count(distinct f.account_id) filter (where f.account_id in (select account_id from active))::int as akb,
       count(distinct (f.account_id, f.category_id))
           filter (where f.account_id in (select account_id from active))::int as category_pairs
from fact f
group by f.key
order by f.key;

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
-- Order fact (statuses $5) per root category and month, reps in the caller's scope, days [$3, $4].
select r.code as category, date_trunc('month', l.order_day)::date as month, sum(l.amount)::float8 as amount
from order_lines l join product_categories r on r.id = l.category_id
where l.order_day between $3::date and $4::date
  and l.status = any($5::text[])
  and l.rep_id in (select visible_rep_ids($1, $2))
group by r.code, date_trunc('month', l.order_day);

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
