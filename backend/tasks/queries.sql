-- name: account_in_rep_scope
-- The account lies in a territory the rep ($2) owns or backs up; any account when $3 (an admin adds it).
select a.id from accounts a
where a.id = $1 and ($3::boolean or a.territory_id in (select visible_territory_ids('rep', $2)));

-- name: appointment_frame
-- What an appointment is checked against: the account's opening hours on the weekday of $3 (and
-- whether it has hours at all), its service time, and the rep's shift and time zone.
select a.service_s,
       coalesce((select jsonb_agg(jsonb_build_array(h.open_s, h.close_s) order by h.open_s)
                 from account_opening_hours h where h.account_id = a.id and h.weekday = extract(isodow from $3::date)),
                '[]'::jsonb) as opening,
       exists (select 1 from account_opening_hours h where h.account_id = a.id) as has_hours,
       r.shift_start_s, r.shift_end_s
from accounts a cross join reps r
where a.id = $1 and r.user_id = $2;

-- name: rep_time_zone
select time_zone from reps where user_id = $1;

-- name: insert_task
insert into planned_tasks (rep_id, account_id, day, kind, start_s, priority, note, created_by, created_at)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
returning id;

-- name: tasks_of_rep_day
-- With what became of each on the day's published route: placed, or the planner's reason.
select t.id, t.rep_id, t.account_id, a.name as account_name, t.day, t.kind, t.start_s, t.priority, t.note, t.created_by,
       newest.id as route_id,
       case when newest.id is null then null
            else exists (select 1 from route_stops s where s.route_id = newest.id and s.account_id = t.account_id)
       end as placed,
       (select d.item ->> 'reason' from jsonb_array_elements(newest.unassigned) as d(item)
        where (d.item ->> 'account_id')::bigint = t.account_id limit 1) as reason
from planned_tasks t join accounts a on a.id = t.account_id
left join lateral (
    select r.id, r.unassigned from routes r where r.rep_id = t.rep_id and r.day = t.day order by r.version desc limit 1
) newest on true
where t.rep_id = $1 and t.day = $2
order by t.start_s nulls last, t.id;
