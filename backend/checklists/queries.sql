-- name: insert_template
-- A new version of template `code` (version 1 when the code is new).
insert into checklist_templates (code, version, name, items, channels, classes, account_ids, created_by)
values ($1, coalesce((select max(version) from checklist_templates where code = $1), 0) + 1,
        $2, $3::jsonb, $4::text[], $5::text[], $6::bigint[], $7)
returning id, code, version, name, items, channels, classes, account_ids, is_active, created_at;

-- name: latest_templates
select distinct on (code) id, code, version, name, items, channels, classes, account_ids, is_active, created_at
from checklist_templates
order by code, version desc;

-- name: template_by_id
select id, code, version, name, items, channels, classes, account_ids, is_active, created_at
from checklist_templates where id = $1;

-- name: templates_for_account
-- The latest active version of every template assigned to the account (by channel, class or list;
-- a template with no assignment at all applies to every account).
select distinct on (t.code) t.id, t.code, t.version, t.name, t.items, t.channels, t.classes, t.account_ids,
       t.is_active, t.created_at
from checklist_templates t, accounts a
where a.id = $1 and t.is_active
  and ((cardinality(t.channels) = 0 and cardinality(t.classes) = 0 and cardinality(t.account_ids) = 0)
       or a.channel = any(t.channels) or a.account_class = any(t.classes) or a.id = any(t.account_ids))
order by t.code, t.version desc;

-- name: template_applies
-- Whether this template version is assigned to the account (any version of an assigned template
-- may be answered: a phone offline keeps the version it had).
select exists (
    select 1 from checklist_templates t, accounts a
    where t.id = $1 and a.id = $2
      and ((cardinality(t.channels) = 0 and cardinality(t.classes) = 0 and cardinality(t.account_ids) = 0)
           or a.channel = any(t.channels) or a.account_class = any(t.classes) or a.id = any(t.account_ids))
);

-- name: visit_for_checklist
-- The visit, if the caller may write it (its own rep) or read it (scope by role).
select v.id, v.rep_id, v.account_id
from visits v
where v.id = $1
  and (v.rep_id = $3 or ($4::boolean and v.rep_id in (select visible_rep_ids($2, $3))));

-- name: insert_answers
insert into visit_checklists (visit_id, template_id, answers, score_pct, score_parts, answered_at)
values ($1, $2, $3::jsonb, $4::float8, $5::jsonb, $6)
on conflict (visit_id, template_id) do nothing
returning received_at;

-- name: answers_of_visit
select c.visit_id, c.template_id, t.code as template_code, t.version as template_version, c.answers,
       c.score_pct::float8 as score_pct, c.score_parts, c.answered_at, c.received_at
from visit_checklists c join checklist_templates t on t.id = c.template_id
where c.visit_id = $1
order by t.code, c.template_id;
