-- CRM tasks and the rep's day (issue 17, tasks): a task of kind `visit` for a rep puts a task on the
-- rep's day (`planned_tasks`, so the planner routes it); the task remembers which one, so moving,
-- re-assigning, completing or cancelling the task takes a day that has not begun off the rep's plan.
alter table sales_tasks add column planned_task_id bigint references planned_tasks (id) on delete set null;
create index sales_tasks_planned_task_idx on sales_tasks (planned_task_id) where planned_task_id is not null;

-- Control list "overdue tasks" and the default task list read open tasks by due time.
create index sales_tasks_open_due_idx on sales_tasks (due_at) where status = 'open';
-- Control list "deals without an open task" asks, per open deal, for an open task about it.
create index sales_tasks_open_deal_idx on sales_tasks (deal_id) where status = 'open' and deal_id is not null;
