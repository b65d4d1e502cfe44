-- name: account_in_rep_scope
-- The account belongs to a territory the rep ($3) owns or backs up; an admin ($2) may add any.
select a.id from accounts a
where a.id = $1 and a.territory_id in (select visible_territory_ids($2, $3));

-- name: insert_task
insert into planned_tasks (rep_id, account_id, day, kind, start_s, priority, note, created_by)
values ($1, $2, $3, $4, $5, $6, $7, $8)
returning id;

-- name: tasks_of_rep_day
select t.id, t.rep_id, t.account_id, a.name as account_name, t.day, t.kind, t.start_s, t.priority, t.note, t.created_by
from planned_tasks t join accounts a on a.id = t.account_id
where t.rep_id = $1 and t.day = $2
order by t.start_s nulls last, t.id;
