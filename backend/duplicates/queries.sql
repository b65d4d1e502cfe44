-- name: list_candidates
-- The review queue in the caller's scope: a pair is visible when either account lies in a territory
-- the caller may read, or both are unassigned (outside every territory). Keyset on id.
select c.id, c.account_a_id, c.account_b_id, c.score, c.signals, c.status, c.created_at
from duplicate_candidates c
join accounts a on a.id = c.account_a_id
join accounts b on b.id = c.account_b_id
where c.status = $2
  and (a.territory_id = any($1::bigint[]) or b.territory_id = any($1::bigint[])
       or (a.territory_id is null and b.territory_id is null))
  and ($3::bigint is null or c.id > $3)
order by c.id
limit $4;

-- name: get_candidate
select c.id, c.account_a_id, c.account_b_id, c.score, c.signals, c.status, c.created_at
from duplicate_candidates c
join accounts a on a.id = c.account_a_id
join accounts b on b.id = c.account_b_id
where c.id = $2
  and (a.territory_id = any($1::bigint[]) or b.territory_id = any($1::bigint[])
       or (a.territory_id is null and b.territory_id is null))
for update of c;

-- name: account_briefs
select a.id, a.name, a.address, a.phones, a.tax_id, ST_Y(a.location) as lat, ST_X(a.location) as lon,
       a.territory_id, a.status,
       coalesce((select jsonb_agg(jsonb_build_object('source', s.source, 'external_id', s.external_id,
                                                     'file_name', s.file_name, 'row_number', s.row_number)
                                  order by s.id)
                 from account_sources s where s.account_id = a.id), '[]'::jsonb) as sources
from accounts a
where a.id = any($1::bigint[]);

-- name: dismiss_candidate
update duplicate_candidates set status = 'dismissed', decided_at = now(), decided_by = $2 where id = $1;

-- name: full_snapshot
-- The whole account row (location as EWKT, so jsonb_populate_record can restore it) and its hours.
select to_jsonb(a) || jsonb_build_object(
           'location', ST_AsEWKT(a.location),
           'lat', ST_Y(a.location), 'lon', ST_X(a.location),
           'opening_hours',
           coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                     from account_opening_hours h where h.account_id = a.id), '[]'::jsonb)) as snapshot
from accounts a
where a.id = $1
for update;

-- name: fill_winner
-- The survivor keeps its values and takes the other's where it has none; phones are united.
update accounts w
set address = coalesce(w.address, l.address), address_key = coalesce(w.address_key, l.address_key),
    phones = array(select distinct p from unnest(w.phones || l.phones) as p order by p),
    tax_id = coalesce(w.tax_id, l.tax_id), branch_code = coalesce(w.branch_code, l.branch_code),
    legal_form = coalesce(w.legal_form, l.legal_form), location = coalesce(w.location, l.location),
    opening_hours_raw = coalesce(w.opening_hours_raw, l.opening_hours_raw),
    legal_entity_id = coalesce(w.legal_entity_id, l.legal_entity_id),
    status = case when 'active' in (w.status, l.status) then 'active' else w.status end,
    updated_at = now()
from accounts l
where w.id = $1 and l.id = $2;

-- name: move_sources
update account_sources set account_id = $2 where account_id = $1 returning id;

-- name: repoint_merges
-- Earlier merges into the account merged away now belong to the survivor (their undo still works).
update account_merges set winner_id = $2 where winner_id = $1;

-- name: delete_account
delete from accounts where id = $1;

-- name: insert_merge
insert into account_merges (winner_id, loser_id, loser_snapshot, winner_before, source_ids, score, signals, kind,
                            decided_by)
values ($1, $2, $3::jsonb, $4::jsonb, $5::bigint[], $6, $7::jsonb, 'review', $8)
returning id;

-- name: get_merge
select m.id, m.winner_id, m.loser_id, m.loser_snapshot, m.winner_before, m.source_ids, m.kind, m.undone_at,
       m.score, m.signals
from account_merges m
join accounts w on w.id = m.winner_id
where m.id = $2
  and (w.territory_id = any($1::bigint[]) or w.territory_id is null)
for update of m;

-- name: account_territory
select territory_id from accounts where id = $1;

-- name: list_merges
select m.id, m.winner_id, m.loser_id, m.loser_snapshot, m.winner_before, m.source_ids, m.kind, m.undone_at,
       m.score, m.signals
from account_merges m
join accounts w on w.id = m.winner_id
where m.winner_id = $2
  and (w.territory_id = any($1::bigint[]) or w.territory_id is null)
order by m.id;

-- name: restore_account
-- An account merged away, back with its own id from its full snapshot.
insert into accounts overriding system value
select (jsonb_populate_record(null::accounts, $1::jsonb)).*;

-- name: insert_account_from_row_snapshot
-- A file row that was merged on import becomes an account of its own.
insert into accounts (name, legal_form, address, address_key, phones, tax_id, branch_code, location, channel,
                      category, account_class, status, opening_hours_raw, opening_hours_source)
select r.name, r.legal_form, r.address, r.address_key, coalesce(r.phones, '{}'), r.tax_id, r.branch_code,
       case when r.lat is null then null else ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) end,
       r.channel, r.category, r.account_class, r.status, r.opening_hours_raw,
       case when jsonb_array_length(coalesce($1::jsonb -> 'opening_hours', '[]')) > 0 then 'import'
            else 'channel_default' end
from jsonb_to_record($1::jsonb) as r(name text, legal_form text, address text, address_key text, phones text[],
                                     tax_id text, branch_code text, lat float8, lon float8, channel text,
                                     category text, account_class text, status text, opening_hours_raw text)
returning id;

-- name: insert_hours
insert into account_opening_hours (account_id, weekday, open_s, close_s)
select $1, (w ->> 0)::smallint, (w ->> 1)::int, (w ->> 2)::int
from jsonb_array_elements($2::jsonb) as w
on conflict do nothing;

-- name: restore_winner
-- The survivor's fields as they were before the merge.
update accounts a
set name = r.name, legal_form = r.legal_form, address = r.address, address_key = r.address_key,
    phones = coalesce(r.phones, '{}'), tax_id = r.tax_id, branch_code = r.branch_code,
    location = case when r.lat is null then null else ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) end,
    opening_hours_raw = r.opening_hours_raw, status = coalesce(r.status, a.status), updated_at = now()
from jsonb_to_record($2::jsonb) as r(name text, legal_form text, address text, address_key text, phones text[],
                                     tax_id text, branch_code text, lat float8, lon float8, status text,
                                     opening_hours_raw text)
where a.id = $1;

-- name: move_sources_back
update account_sources set account_id = $2 where id = any($1::bigint[]);

-- name: mark_undone
update account_merges set undone_at = now(), undone_by = $2 where id = $1;

-- name: reopen_pair
-- An undone merge puts the pair back in the review queue (open), with the merge's score and signals,
-- so a merge with the wrong survivor can be redone from the queue, or the pair dismissed.
insert into duplicate_candidates (account_a_id, account_b_id, score, signals, status)
values (least($1::bigint, $2::bigint), greatest($1::bigint, $2::bigint), coalesce($3::real, 0),
        coalesce($4::jsonb, '{}'::jsonb) || '{"undone": true}'::jsonb, 'open')
on conflict (account_a_id, account_b_id) do update
set status = 'open', decided_at = null, decided_by = null, score = excluded.score, signals = excluded.signals;

-- name: delete_hours
delete from account_opening_hours where account_id = $1;

-- name: account_has_history
-- Visits and planned work point at an account: merging it away would lose or break them.
select exists (select 1 from visits v where v.account_id = $1)
    or exists (select 1 from route_stops s where s.account_id = $1)
    or exists (select 1 from planned_tasks t where t.account_id = $1) as in_use;
