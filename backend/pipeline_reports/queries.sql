-- The pipeline figures (docs/architecture.md, "Pipeline figures"). Every deal figure counts the cohort of
-- deal_cohort (migration 0019: deals created on a local day of the period); deal figures are scoped
-- by visible_account_ids, people figures by visible_rep_ids.

-- name: pipeline_by_id
select id, code, name from pipelines where id = $1;

-- name: first_active_pipeline
select id, code, name from pipelines where is_active order by id limit 1;

-- name: funnel_stages
-- Per stage of pipeline $3, over the cohort ($4..$5, time zone $6) on accounts the caller sees: deals
-- that entered the stage, those of them that reached a later stage that is not lost, and the days
-- of the completed stays in the stage (entered -> the deal's next change).
with cohort as (
    select c.deal_id, c.furthest_position
    from deal_cohort($3, $4::date, $5::date, $6::text) c
    where c.account_id in (select visible_account_ids($1, $2))
), stays as (
    select st.deal_id, st.stage_id, extract(epoch from st.left_at - st.entered_at) / 86400.0 as days
    from deal_stage_stays(array(select deal_id from cohort)) st
)
select s.id as stage_id, s.position, s.code, s.name, s.outcome, s.is_key, s.is_qualified,
       count(distinct st.deal_id)::int as entered,
       count(distinct st.deal_id) filter (where co.furthest_position > s.position)::int as moved_on,
       percentile_cont(0.5) within group (order by st.days) filter (where st.days is not null) as median_days,
       percentile_cont(0.8) within group (order by st.days) filter (where st.days is not null) as p80_days
from pipeline_stages s
left join stays st on st.stage_id = s.id
left join cohort co on co.deal_id = st.deal_id
where s.pipeline_id = $3
group by s.id, s.position, s.code, s.name, s.outcome, s.is_key, s.is_qualified
order by s.position;

-- name: cohort_totals
-- The cohort of pipeline $3 (null: every pipeline) on accounts the caller sees, per source and in
-- total (the last row, source null): leads, those that reached the qualified and the key stage, won,
-- won of the qualified, and the overall cycle (created -> first won) in days.
with cohort as (
    select c.*, extract(epoch from c.won_at - c.created_at) / 86400.0 as cycle_days
    from deal_cohort($3, $4::date, $5::date, $6::text) c
    where c.account_id in (select visible_account_ids($1, $2))
)
select source, count(*)::int as leads,
       count(*) filter (where furthest_position >= qualified_position)::int as qualified,
       count(*) filter (where furthest_position >= key_position)::int as reached_key,
       count(won_at)::int as won,
       count(won_at) filter (where furthest_position >= qualified_position)::int as won_qualified,
       percentile_cont(0.5) within group (order by cycle_days) filter (where cycle_days is not null) as cycle_median_days,
       percentile_cont(0.8) within group (order by cycle_days) filter (where cycle_days is not null) as cycle_p80_days
from cohort
group by grouping sets ((source), ())
order by source nulls last;

-- name: all_leads_per_source
-- Every lead of the period per source, whoever sees it (all pipelines): a source's cost is shared
-- out over all its leads.
select source, count(*)::int as leads
from deal_cohort(null, $1::date, $2::date, $3::text)
group by source;

-- name: source_costs
-- What each source cost over [$1, $2]: the monthly cost times the share of the month's days that lie
-- in the period.
select l.source,
       sum(l.amount * ((least($2::date, (l.month + interval '1 month')::date - 1) - greatest($1::date, l.month) + 1)
                       / ((l.month + interval '1 month')::date - l.month)::numeric))::float8 as cost
from lead_source_costs l
where l.month <= $2::date and (l.month + interval '1 month')::date > $1::date
group by l.source;

-- name: people_in_scope
-- People the caller sees ($1, $2) with a sales role: only role $3 and only user $4 when given.
select u.id as user_id, u.name, u.sales_role
from users u
where u.id in (select visible_rep_ids($1, $2))
  and u.sales_role is not null
  and ($3::text is null or u.sales_role = $3)
  and ($4::bigint is null or u.id = $4)
order by u.sales_role, u.name, u.id;

-- name: person_in_scope
-- The person $3 if the caller sees them (with or without a sales role).
select u.id as user_id, u.name, u.sales_role
from users u
where u.id = $3 and u.id in (select visible_rep_ids($1, $2));

-- name: person_deal_figures
-- Per person in $4 over the cohort of all pipelines ($1..$2, time zone $3), whoever's accounts: the
-- leads they created and how many reached the qualified stage; the deals they own, how many reached
-- the qualified stage, how many were won (of those) and the cycle of the won ones in days.
with cohort as (
    select c.*, extract(epoch from c.won_at - c.created_at) / 86400.0 as cycle_days
    from deal_cohort(null, $1::date, $2::date, $3::text) c
    where c.created_by = any($4::bigint[]) or c.owner_id = any($4::bigint[])
)
select u.id as user_id,
       (select count(*) from cohort c where c.created_by = u.id)::int as leads_created,
       (select count(*) from cohort c
        where c.created_by = u.id and c.furthest_position >= c.qualified_position)::int as leads_qualified,
       (select count(*) from cohort c where c.owner_id = u.id)::int as deals_owned,
       (select count(*) from cohort c
        where c.owner_id = u.id and c.furthest_position >= c.qualified_position)::int as deals_qualified,
       (select count(*) from cohort c where c.owner_id = u.id and c.won_at is not null)::int as deals_won,
       (select count(*) from cohort c
        where c.owner_id = u.id and c.won_at is not null
          and c.furthest_position >= c.qualified_position)::int as won_qualified,
       (select percentile_cont(0.5) within group (order by c.cycle_days) from cohort c
        where c.owner_id = u.id and c.won_at is not null) as cycle_median_days,
       (select percentile_cont(0.8) within group (order by c.cycle_days) from cohort c
        where c.owner_id = u.id and c.won_at is not null) as cycle_p80_days
from unnest($4::bigint[]) as u(id);

-- name: won_account_orders
-- Per person in $4: the fact orders (statuses $5) of the accounts of the cohort's deals they own and
-- won, taken on or after the local day of the win (to date).
with won as (
    select c.owner_id, c.account_id, min((c.won_at at time zone $3::text)::date) as won_day
    from deal_cohort(null, $1::date, $2::date, $3::text) c
    where c.won_at is not null and c.owner_id = any($4::bigint[])
    group by c.owner_id, c.account_id
)
select w.owner_id as user_id, count(o.id)::int as orders, coalesce(sum(o.total_amount), 0)::float8 as amount
from won w
left join orders o on o.account_id = w.account_id and o.order_day >= w.won_day and o.status = any($5::text[])
group by w.owner_id;

-- name: person_calls
-- Per person in $4: calls they made on local days [$1, $2] (time zone $3) and their working days.
select u.id as user_id,
       (select count(*) from activities a
        where a.user_id = u.id and a.kind = 'call'
          and a.occurred_at >= ($1::date - 1)::timestamp at time zone 'UTC'
          and a.occurred_at < ($2::date + 2)::timestamp at time zone 'UTC'
          and (a.occurred_at at time zone $3::text)::date between $1::date and $2::date)::int as calls,
       person_working_days(u.id, $1::date, $2::date) as working_days
from unnest($4::bigint[]) as u(id);

-- name: manager_figures
-- Per account manager in $1, over the accounts they manage now: active in the previous period
-- [$4, $5] and in this one [$2, $3] (active_account_ids), and over their fact orders (statuses $6):
-- turnover to date ($3) and of the customers, this and the previous period's turnover of the
-- retained accounts, and the root categories bought in the period that the account never bought
-- before it (counted over the accounts active in the period).
with book as (
    select a.id, a.account_manager_id as user_id,
           a.id in (select active_account_ids($2::date, $3::date)) as active_now,
           a.id in (select active_account_ids($4::date, $5::date)) as active_previous
    from accounts a
    where a.account_manager_id = any($1::bigint[])
), turnover as (
    select o.account_id,
           sum(o.total_amount) as ltv,
           sum(o.total_amount) filter (where o.order_day between $2::date and $3::date) as now_amount,
           sum(o.total_amount) filter (where o.order_day between $4::date and $5::date) as previous_amount,
           bit_or(o.category_mask) filter (where o.order_day between $2::date and $3::date) as now_mask,
           bit_or(o.category_mask) filter (where o.order_day < $2::date) as before_mask
    from orders o
    where o.account_id in (select id from book) and o.status = any($6::text[]) and o.order_day <= $3::date
    group by o.account_id
)
select b.user_id,
       count(*)::int as accounts,
       count(*) filter (where b.active_previous)::int as active_previous,
       count(*) filter (where b.active_now)::int as active_now,
       count(*) filter (where b.active_previous and b.active_now)::int as retained,
       count(*) filter (where b.active_previous and not b.active_now)::int as churned,
       count(t.ltv)::int as customers,
       coalesce(sum(t.ltv), 0)::float8 as ltv_total,
       coalesce(sum(t.now_amount) filter (where b.active_previous and b.active_now), 0)::float8 as retained_now_amount,
       coalesce(sum(t.previous_amount) filter (where b.active_previous and b.active_now), 0)::float8
           as retained_previous_amount,
       coalesce(sum(bit_count((coalesce(t.now_mask, 0) & ~coalesce(t.before_mask, 0))::bit(64)))
                    filter (where b.active_now), 0)::int as new_categories
from book b
left join turnover t on t.account_id = b.id
group by b.user_id;

-- name: report_settings
-- For the rest of this transaction: plan each figure's query for its own parameters (the weekly
-- breakdown runs the same statements for every week; a generic plan made for one week is poor for a
-- quarter).
select set_config('plan_cache_mode', 'force_custom_plan', true)

-- name: upsert_source_cost
-- What source $1 cost in month $2 (its first day); a later entry of the same month replaces it.
insert into lead_source_costs (source, month, amount, updated_by)
values ($1, $2::date, $3::numeric, $4)
on conflict (source, month) do update set amount = excluded.amount, updated_by = excluded.updated_by;

-- name: source_costs_between
-- The monthly costs of months [$1, $2] (first days), by month and source.
select source, month, amount::float8 as amount
from lead_source_costs
where month between $1::date and $2::date
order by month, source;
