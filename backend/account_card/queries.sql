-- The account card. Who may read an account is readable_account_ids (migration 0017: the accounts
-- one works, visible_account_ids of 0014, plus those one handed over); who may edit it is
-- visible_account_ids. Every query below takes an account id that account_access has let through.

-- name: account_access
select a.id as account_id,
       exists (select 1 from visible_account_ids($1::text, $2::bigint) as w(id) where w.id = a.id) as writable
from accounts a
where a.id = $3
  and exists (select 1 from readable_account_ids($1::text, $2::bigint) as r(id) where r.id = a.id);

-- name: account
-- The same fields as the account lists (backend/accounts).
select a.id, a.name, a.address, a.phones, a.channel, a.category, a.account_class, a.status,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, a.territory_id, a.opening_hours_raw,
       a.service_s, a.visit_frequency_per_4_weeks, null::float8 as distance_m,
       coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                 from account_opening_hours h where h.account_id = a.id), '[]'::jsonb) as opening_hours
from accounts a
where a.id = $1;

-- name: account_for_update
-- The editable fields before an edit; the row lock orders concurrent edits so each audit row's old
-- value is the value it replaced.
select a.id, a.phones, a.status, a.opening_hours_raw from accounts a where a.id = $1 for update;

-- name: update_account_phones
update accounts set phones = $2::text[], updated_at = now() where id = $1;

-- name: update_account_status
update accounts set status = $2, updated_at = now() where id = $1;

-- name: delete_account_hours
delete from account_opening_hours where account_id = $1;

-- name: insert_account_hours
-- $2: the weekly windows, [[iso_weekday, open_s, close_s], ...].
insert into account_opening_hours (account_id, weekday, open_s, close_s)
select $1, (w ->> 0)::smallint, (w ->> 1)::int, (w ->> 2)::int from jsonb_array_elements($2::jsonb) as w
on conflict do nothing;

-- name: update_account_hours_text
update accounts
set opening_hours_raw = $2,
    opening_hours_source = case when $2::text is null then 'channel_default' else 'field' end,
    updated_at = now()
where id = $1;

-- name: account_people
-- The territory's owner rep and the account manager, as {id, name, sales_role} or null.
select case when tr.id is null then null
            else jsonb_build_object('id', tr.id, 'name', tr.name, 'sales_role', tr.sales_role) end as territory_rep,
       case when am.id is null then null
            else jsonb_build_object('id', am.id, 'name', am.name, 'sales_role', am.sales_role) end as account_manager
from accounts a
left join territories t on t.id = a.territory_id
left join users tr on tr.id = t.owner_rep_id
left join users am on am.id = a.account_manager_id
where a.id = $1;

-- name: open_deal_owners
select d.id as deal_id, d.title, s.name as stage,
       jsonb_build_object('id', u.id, 'name', u.name, 'sales_role', u.sales_role) as owner
from deals d
join pipeline_stages s on s.id = d.stage_id
join users u on u.id = d.owner_id
where d.account_id = $1 and d.status = 'open'
order by d.created_at, d.id;

-- name: contacts
select c.id, c.account_id, c.name, c.role, c.phones, c.email,
       jsonb_build_object('granted', c.consent_calls, 'at', c.consent_calls_at) as consent_calls,
       jsonb_build_object('granted', c.consent_sms, 'at', c.consent_sms_at) as consent_sms,
       jsonb_build_object('granted', c.consent_email, 'at', c.consent_email_at) as consent_email,
       c.is_active, c.created_at, c.updated_at
from account_contacts c
where c.account_id = $1 and ($2::uuid is null or c.id = $2)
order by c.is_active desc, c.name, c.id;

-- name: contact_for_update
select c.id, c.account_id, c.name, c.role, c.phones, c.email,
       jsonb_build_object('granted', c.consent_calls, 'at', c.consent_calls_at) as consent_calls,
       jsonb_build_object('granted', c.consent_sms, 'at', c.consent_sms_at) as consent_sms,
       jsonb_build_object('granted', c.consent_email, 'at', c.consent_email_at) as consent_email,
       c.is_active, c.created_at, c.updated_at
from account_contacts c
where c.account_id = $1 and c.id = $2
for update;

-- name: insert_contact
-- Nothing when the id is taken (by anyone): the caller answers 409.
insert into account_contacts (id, account_id, name, role, phones, email, consent_calls, consent_calls_at,
                              consent_sms, consent_sms_at, consent_email, consent_email_at, created_by,
                              created_at, updated_at)
values ($1, $2, $3, $4, $5::text[], $6,
        $7, case when $7::bool is null then null else $10::timestamptz end,
        $8, case when $8::bool is null then null else $10::timestamptz end,
        $9, case when $9::bool is null then null else $10::timestamptz end,
        $11, $10, $10)
on conflict (id) do nothing
returning id;

-- name: update_contact
-- A consent's time moves only when its value changes.
update account_contacts c
set name = $3, role = $4, phones = $5::text[], email = $6,
    consent_calls_at = case when $7::bool is distinct from c.consent_calls
                            then case when $7::bool is null then null else $11::timestamptz end
                            else c.consent_calls_at end,
    consent_sms_at = case when $8::bool is distinct from c.consent_sms
                          then case when $8::bool is null then null else $11::timestamptz end
                          else c.consent_sms_at end,
    consent_email_at = case when $9::bool is distinct from c.consent_email
                            then case when $9::bool is null then null else $11::timestamptz end
                            else c.consent_email_at end,
    consent_calls = $7, consent_sms = $8, consent_email = $9,
    is_active = $10, updated_at = $11
where c.account_id = $1 and c.id = $2;

-- name: latest_notes
select n.id, n.account_id, n.text, n.created_at,
       case when u.id is null then null
            else jsonb_build_object('id', u.id, 'name', u.name, 'sales_role', u.sales_role) end as author
from account_notes n
left join users u on u.id = n.author_id
where n.account_id = $1 and ($2::uuid is null or n.id = $2)
order by n.created_at desc, n.id desc
limit $3;

-- name: insert_note
insert into account_notes (id, account_id, author_id, text, created_at)
values ($1, $2, $3, $4, $5)
on conflict (id) do nothing
returning id;

-- name: insert_changes
-- One audit row per element of the arrays (entity, entity id, field, old, new: JSON text, null for none).
insert into account_changes (account_id, entity, entity_id, field, old_value, new_value, changed_by, changed_at,
                             client_change_id)
select $1, c.entity, c.entity_id, c.field, c.old_value::jsonb, c.new_value::jsonb, $7, $8, $9
from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
    as c(entity, entity_id, field, old_value, new_value);

-- name: changes
-- Newest first; keyset on (changed_at, id).
select c.id, c.account_id, c.entity, c.entity_id, c.field, c.old_value, c.new_value, c.changed_at,
       c.client_change_id,
       case when u.id is null then null
            else jsonb_build_object('id', u.id, 'name', u.name, 'sales_role', u.sales_role) end as changed_by
from account_changes c
left join users u on u.id = c.changed_by
where c.account_id = $1
  and ($2::timestamptz is null or (c.changed_at, c.id) < ($2::timestamptz, $3::bigint))
order by c.changed_at desc, c.id desc
limit $4;

-- name: timeline
-- One list of everything that happened at the account, newest first, keyset on (at, kind, id).
-- $2: the kinds asked for; $3, $4, $5: the last item of the previous page (null: first page);
-- $6: how many. Each branch takes at most $6 rows from its own index before the merge.
-- A deal's creation is its `deal` item, so stage changes from no stage are left out.
with page as (
    (select 'visit'::text as kind, v.checked_in_at as at, v.id::text as id, v.rep_id as user_id,
            jsonb_build_object('checked_in_at', v.checked_in_at, 'checked_out_at', v.checked_out_at,
                               'flags', v.flags) as data
     from visits v
     where v.account_id = $1 and 'visit' = any($2::text[])
       and ($3::timestamptz is null or (v.checked_in_at, 'visit'::text, v.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by v.checked_in_at desc, v.id::text desc
     limit $6)
    union all
    (select 'checklist', coalesce(c.answered_at, c.received_at), c.visit_id::text || ':' || c.template_id, v.rep_id,
            jsonb_build_object('visit_id', c.visit_id, 'template_id', c.template_id, 'template_name', t.name,
                               'score_pct', c.score_pct)
     from visit_checklists c
     join visits v on v.id = c.visit_id
     join checklist_templates t on t.id = c.template_id
     where v.account_id = $1 and 'checklist' = any($2::text[])
       and ($3::timestamptz is null
            or (coalesce(c.answered_at, c.received_at), 'checklist'::text, c.visit_id::text || ':' || c.template_id)
               < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
    union all
    (select 'photo', coalesce(b.captured_at, p.received_at), p.id::text, p.rep_id,
            jsonb_build_object('visit_id', p.visit_id, 'item_key', p.item_key, 'flags', p.flags)
     from visit_photos p
     join visits v on v.id = p.visit_id
     join photo_blobs b on b.sha256 = p.sha256
     where v.account_id = $1 and 'photo' = any($2::text[])
       and ($3::timestamptz is null
            or (coalesce(b.captured_at, p.received_at), 'photo'::text, p.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
    union all
    (select 'order', o.ordered_at, o.id::text, o.rep_id,
            jsonb_build_object('status', o.status, 'total_amount', o.total_amount::text, 'line_count', o.line_count,
                               'order_day', o.order_day)
     from orders o
     where o.account_id = $1 and 'order' = any($2::text[])
       and ($3::timestamptz is null or (o.ordered_at, 'order'::text, o.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
    union all
    (select 'deal', d.created_at, d.id::text, d.created_by,
            jsonb_build_object('title', d.title, 'pipeline', p.name, 'stage', s.name, 'status', d.status,
                               'amount', d.amount::text, 'source', d.source)
     from deals d
     join pipelines p on p.id = d.pipeline_id
     join pipeline_stages s on s.id = d.stage_id
     where d.account_id = $1 and 'deal' = any($2::text[])
       and ($3::timestamptz is null or (d.created_at, 'deal'::text, d.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
    union all
    (select 'stage_change', sc.changed_at, sc.id::text, sc.changed_by,
            jsonb_build_object('deal_id', d.id, 'deal_title', d.title, 'from_stage', fs.name, 'to_stage', ts.name)
     from deal_stage_changes sc
     join deals d on d.id = sc.deal_id
     join pipeline_stages fs on fs.id = sc.from_stage_id
     join pipeline_stages ts on ts.id = sc.to_stage_id
     where d.account_id = $1 and 'stage_change' = any($2::text[])
       and ($3::timestamptz is null
            or (sc.changed_at, 'stage_change'::text, sc.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
    union all
    (select 'handover', h.created_at, h.id::text, h.created_by,
            jsonb_build_object(
                'deal_id', h.deal_id, 'reason', h.reason,
                'from_user', case when fu.id is null then null
                                  else jsonb_build_object('id', fu.id, 'name', fu.name, 'sales_role', fu.sales_role) end,
                'to_user', jsonb_build_object('id', tu.id, 'name', tu.name, 'sales_role', tu.sales_role))
     from handovers h
     left join users fu on fu.id = h.from_user_id
     join users tu on tu.id = h.to_user_id
     where h.account_id = $1 and 'handover' = any($2::text[])
       and ($3::timestamptz is null or (h.created_at, 'handover'::text, h.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
    union all
    -- A task sits where it was done, else at its due time (an open task due later is on top).
    (select 'task', coalesce(t.done_at, t.due_at), t.id::text, t.owner_id,
            jsonb_build_object('task_kind', t.kind, 'title', t.title, 'status', t.status, 'due_at', t.due_at,
                               'done_at', t.done_at, 'deal_id', t.deal_id)
     from sales_tasks t
     where (t.account_id = $1 or t.deal_id in (select d.id from deals d where d.account_id = $1))
       and 'task' = any($2::text[])
       and ($3::timestamptz is null
            or (coalesce(t.done_at, t.due_at), 'task'::text, t.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
    union all
    (select a.kind, a.occurred_at, a.id::text, a.user_id,
            jsonb_build_object('direction', a.direction, 'duration_s', a.duration_s, 'outcome', a.outcome,
                               'note', a.note, 'deal_id', a.deal_id)
     from activities a
     where a.account_id = $1 and a.kind = any($2::text[])
       and ($3::timestamptz is null or (a.occurred_at, a.kind, a.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 1 desc, 3 desc
     limit $6)
    union all
    (select 'note', n.created_at, n.id::text, n.author_id, jsonb_build_object('text', n.text)
     from account_notes n
     where n.account_id = $1 and 'note' = any($2::text[])
       and ($3::timestamptz is null or (n.created_at, 'note'::text, n.id::text) < ($3::timestamptz, $4::text, $5::text))
     order by 2 desc, 3 desc
     limit $6)
)
select p.kind, p.at, p.id, p.data,
       case when u.id is null then null
            else jsonb_build_object('id', u.id, 'name', u.name, 'sales_role', u.sales_role) end as "user"
from page p
left join users u on u.id = p.user_id
order by p.at desc, p.kind desc, p.id desc
limit $6;

-- name: contacts_of_accounts
-- Every contact (retired ones too, is_active false) of the accounts $1, for the phones' sync feed.
select c.id, c.account_id, c.name, c.role, c.phones, c.email,
       jsonb_build_object('granted', c.consent_calls, 'at', c.consent_calls_at) as consent_calls,
       jsonb_build_object('granted', c.consent_sms, 'at', c.consent_sms_at) as consent_sms,
       jsonb_build_object('granted', c.consent_email, 'at', c.consent_email_at) as consent_email,
       c.is_active, c.created_at, c.updated_at
from account_contacts c
where c.account_id = any($1::bigint[])
order by c.account_id, c.is_active desc, c.name, c.id;

-- name: latest_notes_of_accounts
-- The $2 latest notes of each of the accounts $1, for the phones' sync feed.
select n.id, n.account_id, n.text, n.created_at,
       case when u.id is null then null
            else jsonb_build_object('id', u.id, 'name', u.name, 'sales_role', u.sales_role) end as author
from (select n.*, row_number() over (partition by n.account_id order by n.created_at desc, n.id desc) as rank
      from account_notes n where n.account_id = any($1::bigint[])) n
left join users u on u.id = n.author_id
where n.rank <= $2
order by n.account_id, n.created_at desc, n.id desc;
