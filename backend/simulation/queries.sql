-- Raw reads of the simulator: what it needs to choose behaviour, and the independent recounts its
-- invariants compare the product's answers with. Nothing here goes through another feature's SQL.

-- name: reps
select u.id, u.email, r.time_zone, r.shift_start_s, r.shift_end_s, r.working_days::int[] as working_days,
       ST_Y(r.home) as home_lat, ST_X(r.home) as home_lon, r.travel_mode,
       (select min(t.id) from territories t where t.owner_rep_id = u.id) as territory_id
from users u join reps r on r.user_id = u.id
where u.role = 'rep' and u.is_active
order by u.id;

-- name: territory_accounts
-- Located, not closed accounts of a territory with their opening hours ([[iso_weekday, open_s, close_s]]).
select a.id, a.name, ST_Y(a.location) as lat, ST_X(a.location) as lon, a.account_class, a.channel, a.status,
       a.service_s, a.visit_frequency_per_4_weeks,
       coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                 from account_opening_hours h where h.account_id = a.id), '[]'::jsonb) as hours
from accounts a
where a.territory_id = $1 and a.location is not null and a.status <> 'closed'
order by a.id;

-- name: route_versions_of_day
-- Every version of every rep's route for a day, oldest first, with its stops in order.
select r.id, r.rep_id, r.version, r.kind, r.run_id, r.published_at, r.travel_s, r.distance_m, r.unassigned,
       coalesce(array_agg(s.account_id order by s.seq) filter (where s.account_id is not null), '{}') as account_ids,
       coalesce(array_agg(s.source order by s.seq) filter (where s.account_id is not null), '{}') as sources,
       coalesce(array_agg(s.due_day order by s.seq) filter (where s.account_id is not null), '{}') as due_days
from routes r left join route_stops s on s.route_id = r.id
where r.day = $1
group by r.id
order by r.rep_id, r.version;

-- name: visits_of_day
-- Check-ins whose local day (the rep's time zone, device clock) is $1.
select v.id, v.rep_id, v.account_id, v.checked_in_at, v.route_id, v.route_stop_seq
from visits v join reps r on r.user_id = v.rep_id
where v.checked_in_at >= ($1::date - 1)::timestamp at time zone 'UTC'
  and v.checked_in_at < ($1::date + 2)::timestamp at time zone 'UTC'
  and (v.checked_in_at at time zone r.time_zone)::date = $1::date
order by v.rep_id, v.checked_in_at;

-- name: visit_days
-- Local days on which each account was visited (by anyone) in [$1, $2].
select v.account_id, array_agg(distinct (v.checked_in_at at time zone r.time_zone)::date) as days
from visits v join reps r on r.user_id = v.rep_id
where v.checked_in_at >= ($1::date - 1)::timestamp at time zone 'UTC'
  and v.checked_in_at < ($2::date + 2)::timestamp at time zone 'UTC'
  and (v.checked_in_at at time zone r.time_zone)::date between $1::date and $2::date
group by v.account_id;

-- name: scheduled_for_day
-- The visits of each rep's newest schedule that covers day $1.
select distinct on (sv.schedule_id, sv.account_id) s.rep_id, sv.account_id, a.account_class,
       a.visit_frequency_per_4_weeks
from schedules s
join scheduled_visits sv on sv.schedule_id = s.id and sv.day = $1
join accounts a on a.id = sv.account_id
where s.id = (select s2.id from schedules s2 where s2.rep_id = s.rep_id
              and $1::date >= s2.start_day and $1::date < s2.start_day + 7 * s2.weeks
              order by s2.id desc limit 1)
order by sv.schedule_id, sv.account_id;

-- name: tasks_for_day
select t.id, t.rep_id, t.account_id, t.kind, t.start_s from planned_tasks t where t.day = $1 order by t.id;

-- name: coverage_recount
-- Per territory, counted from the raw rows: outlets; potential (HoReCa or retail, not closed,
-- located); active (status active); visited (distinct outlets with a check-in on a local day in
-- [$1, $2], by anyone, whatever their status). Active: outlets of the potential base with an order
-- submitted, confirmed or delivered on a day of the period (a recorded sale).
select t.id as territory_id, t.code,
       count(a.id)::int as outlets,
       count(a.id) filter (where a.channel in ('horeca', 'retail') and a.status <> 'closed'
                           and a.location is not null)::int as potential,
       count(a.id) filter (where a.channel in ('horeca', 'retail') and a.status <> 'closed'
                           and a.location is not null and exists (
           select 1 from orders o where o.account_id = a.id and o.order_day between $1::date and $2::date
             and o.status in ('submitted', 'confirmed', 'delivered')))::int as active,
       count(a.id) filter (where exists (
           select 1 from visits v join reps r on r.user_id = v.rep_id
           where v.account_id = a.id
             and (v.checked_in_at at time zone r.time_zone)::date between $1::date and $2::date))::int as visited
from territories t left join accounts a on a.territory_id = t.id
group by t.id, t.code
order by t.code;

-- name: removals_of_day
-- Stops taken off the day's plan with a reason (a supervisor, or an absence or holiday).
select rep_id, account_id, reason from route_stop_removals where day = $1 order by rep_id, account_id;

-- name: absences
select rep_id, first_day, last_day from rep_absences order by rep_id, first_day;

-- name: holidays
select day, region from holidays order by day;

-- name: rep_days_of_runs
-- The rep jobs of the runs $1 that plan day $2 (the timer's morning check of another day left out).
select count(*)::int from planning_run_reps r join planning_runs p on p.id = r.run_id
where r.run_id = any($1::bigint[]) and p.day = $2;

-- name: history_price_items
-- Every price list with its prices (the history prices its lines as an order of that day would be).
select l.id, l.account_id, l.channel, l.valid_from, l.valid_to, i.product_id, i.price
from price_lists l join price_list_items i on i.price_list_id = l.id
order by l.id, i.product_id;

-- name: history_products
-- Active products by SKU with their root category and its bit (orders.category_mask).
select p.sku, p.id, c.root_id, coalesce(r.bit_index, -1) as bit_index
from products p
join product_categories c on c.id = p.category_id
join product_categories r on r.id = c.root_id
where p.is_active
order by p.sku;

-- name: rep_supervisors
-- The office that confirms a rep's orders: the rep's supervisor (none: an admin's work, unrecorded).
select id as rep_id, supervisor_id from users where role = 'rep' order by id;

-- name: history_taken
-- Whether any visit or order already lies in [$1, $2] (the history is generated once, into an empty past).
select exists (select 1 from orders where order_day between $1::date and $2::date)
    or exists (select 1 from visits
               where checked_in_at >= ($1::date - 1)::timestamp at time zone 'UTC'
                 and checked_in_at < ($2::date + 2)::timestamp at time zone 'UTC');

-- name: insert_history_visits
-- Historical visits, checked in and out a few metres from the outlet; no route (none was published then).
insert into visits (id, rep_id, account_id, checked_in_at, check_in_location, check_in_accuracy_m, check_in_mock,
                    check_in_distance_m, check_in_sent_at, checked_out_at, check_out_location,
                    check_out_accuracy_m, check_out_mock, check_out_distance_m, flags, received_at, updated_at)
select t.id, t.rep_id, t.account_id, t.checked_in_at, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326), t.accuracy_m,
       false, t.distance_m, t.checked_in_at, t.checked_out_at, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326),
       t.accuracy_m, false, t.distance_m, '{}', t.checked_in_at, t.checked_out_at
from unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::float8[],
            $7::float8[], $8::float8[], $9::float8[])
    as t(id, rep_id, account_id, checked_in_at, checked_out_at, lat, lon, accuracy_m, distance_m);

-- name: history_month_totals
-- Fact orders of the history per month (the demo's summary line; the reports give the figures).
select date_trunc('month', order_day)::date as month, count(*)::int as orders,
       sum(total_amount)::float8 as amount
from orders
where order_day between $1::date and $2::date and status in ('submitted', 'confirmed', 'delivered')
group by 1 order by 1;

-- name: hunter_ids
-- Reps whose sales role is hunter (they bring in leads).
select id from users where role = 'rep' and is_active and sales_role = 'hunter' order by id;

-- name: insert_history_plans
-- Monthly plans per rep, root category and region: the fact of the same month a year earlier
-- ($1..$2, order days) x $3, money rounded to 100 EUR, units to whole units; plans already set stay.
insert into sales_monthly (rep_id, category, region, month, plan_amount, plan_units, source_file)
select l.rep_id, c.code, coalesce(t.region, '(none)'),
       (date_trunc('month', l.order_day) + interval '1 year')::date,
       round(sum(l.amount) * $3::numeric / 100) * 100, round(sum(l.quantity) * $3::numeric), 'demo-history'
from order_lines l
join product_categories c on c.id = l.category_id
left join territories t on t.id = l.territory_id
where l.order_day between $1::date and $2::date and l.status in ('submitted', 'confirmed', 'delivered')
group by 1, 2, 3, 4
on conflict (rep_id, category, region, month) do nothing;

-- name: pipeline_stages_of
-- The stages of the pipeline with code $1, in order (the demo's new-customer funnel).
select s.id, s.pipeline_id, s.code, s.outcome, s.is_key, s.is_qualified, coalesce(s.norm_days, 7) as norm_days
from pipeline_stages s join pipelines p on p.id = s.pipeline_id
where p.code = $1
order by s.position;

-- name: pipeline_rules_of
-- Active hand-over rules of pipeline $1.
select id, trigger, stage_id, to_role from handover_rules where pipeline_id = $1 and is_active order by id;

-- name: territory_role_holders
-- Who plays which sales role for each territory (active users only, as the hand-over rules read it).
select r.territory_id, r.sales_role, r.user_id
from territory_sales_roles r join users u on u.id = r.user_id
where u.is_active
order by r.territory_id, r.sales_role;

-- name: first_admin
select id from users where role = 'admin' and is_active order by id limit 1;

-- name: deals_exist
select exists (select 1 from deals);

-- name: set_history_account_managers
-- The farmer a won account went to after its first delivered order (an account already managed keeps its manager).
update accounts a set account_manager_id = t.manager_id
from unnest($1::bigint[], $2::bigint[]) as t(account_id, manager_id)
where a.id = t.account_id and a.account_manager_id is null;

-- name: insert_history_source_costs
-- Monthly costs per lead source; costs already entered stay.
insert into lead_source_costs (source, month, amount, updated_by)
select t.source, t.month, t.amount, $4::bigint
from unnest($1::text[], $2::date[], $3::numeric[]) as t(source, month, amount)
on conflict (source, month) do nothing;

-- name: funnel_accounts
-- The accounts of the simulated deals: channel and class (what they order), territory and its rep.
select a.id, a.channel, a.account_class, a.territory_id, t.owner_rep_id
from accounts a left join territories t on t.id = a.territory_id
where a.id = any($1::bigint[])
order by a.id;

-- name: open_pipeline_deals
-- The open deals of pipeline $1 (code) the simulated people take over at the start.
select d.id, d.account_id, d.owner_id, coalesce(d.created_by, d.owner_id) as hunter_id, s.code as stage
from deals d
join pipeline_stages s on s.id = d.stage_id
join pipelines p on p.id = d.pipeline_id
where p.code = $1 and d.status = 'open'
order by d.created_at, d.id;

-- name: handovers_of_deals
-- Hand-overs of deals $1 and whether the new owner got the `handover` notification of each; one
-- made before $2 had its notification purged with the retention, and counts as notified.
select h.deal_id, h.account_id, h.to_user_id, r.trigger,
       h.created_at < $2::timestamptz
       or exists (select 1 from notifications n
                  where n.user_id = h.to_user_id and n.kind = 'handover'
                    and n.payload ->> 'handover_id' = h.id::text) as notified
from handovers h left join handover_rules r on r.id = h.rule_id
where h.deal_id = any($1::uuid[])
order by h.id;

-- name: task_states
-- Status, due and reminder of tasks $1 as stored.
select id, status, due_at, remind_at, reminded_at from sales_tasks where id = any($1::uuid[]) order by id;

-- name: telemarketers
-- Active users whose sales role is telemarketer (office callers: no field profile needed).
select id, email from users where is_active and sales_role = 'telemarketer' order by id;

-- name: accounts_of_lost_deals
-- The accounts of the lost deals user $1 owns (a telemarketer re-contacts them; they see them).
select distinct account_id from deals where owner_id = $1 and status = 'lost' order by account_id;

-- name: past_retention
-- What the retention purge must have removed by business time $1: idempotency keys expired over a
-- day ago, sync log entries and notifications older than the horizon ($2, a number of days) and its
-- grace ($3) by over a day (the timer purges at least twice a simulated day).
select
    (select count(*) from idempotency_keys where expires_at < $1::timestamptz - interval '1 day') as keys,
    (select count(*) from sync_log
     where changed_at < $1::timestamptz - make_interval(days => $2::int) - $3::interval - interval '1 day') as sync_log,
    (select count(*) from notifications
     where created_at < $1::timestamptz - make_interval(days => $2::int) - $3::interval - interval '1 day') as notifications,
    (select count(*) from idempotency_keys) as keys_kept,
    (select count(*) from sync_log) as sync_log_kept;
