-- name: rep_ids_by_email
select id, email from users where role = 'rep' and email = any($1::text[]);

-- name: upsert_month
-- An empty cell ($5/$6 NULL) keeps the stored value; a value replaces it.
insert into sales_monthly (rep_id, category, region, month, plan_amount, actual_amount, source_file)
values ($1, $2, $3, $4, $5::numeric, $6::numeric, $7)
on conflict (rep_id, category, region, month) do update
set plan_amount = coalesce(excluded.plan_amount, sales_monthly.plan_amount),
    actual_amount = coalesce(excluded.actual_amount, sales_monthly.actual_amount),
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
