-- name: schedule_rep
select r.user_id as rep_id, ST_Y(r.home) as home_lat, ST_X(r.home) as home_lon, r.shift_start_s, r.shift_end_s,
       r.travel_mode, r.working_days::int[] as working_days, r.max_visits_per_day
from reps r join users u on u.id = r.user_id
where r.user_id = $1 and u.is_active
  and $2::text <> 'rep' and u.id in (select visible_rep_ids($2, $3));

-- name: schedule_accounts
-- The accounts of the rep's territories that can be visited: located, not closed, with a frequency.
select a.id, ST_Y(a.location) as lat, ST_X(a.location) as lon, a.account_class, a.visit_frequency_per_4_weeks,
       a.service_s,
       coalesce((select array_agg(distinct h.weekday::int order by h.weekday::int)
                 from account_opening_hours h where h.account_id = a.id), '{}') as open_weekdays
from accounts a join territories t on t.id = a.territory_id
where t.owner_rep_id = $1 and a.location is not null and a.status <> 'closed' and a.visit_frequency_per_4_weeks > 0
order by a.id;

-- name: insert_schedule
insert into schedules (rep_id, start_day, weeks, end_day, feasible, report, created_by)
values ($1, $2, $3, $4, $5, $6, $7)
returning id;

-- name: insert_scheduled_visit
insert into scheduled_visits (schedule_id, account_id, day) values ($1, $2, $3);
