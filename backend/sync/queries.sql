-- name: snapshot_xmin
-- The oldest transaction still running as this statement reads: the next cursor.
select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as xmin;

-- name: rep_territory_ids
select s.id from visible_territory_ids('rep', $1) as s(id) order by s.id;

-- name: changes_since
-- Log entries written by transactions at or after the cursor that concern this rep: accounts of
-- their territories (before or after the change), their territories' assignments, every template.
-- A page: entries after sequence number $4, at most $5.
select seq, entity, entity_id, rep_ids
from sync_log
where tx >= $1::text::xid8
  and (entity = 'checklist_template' or territory_ids && $2::bigint[] or $3::bigint = any(rep_ids))
  and seq > $4
order by seq
limit $5;

-- name: prune_log
-- Entries older than the horizon (the caller passes the cut-off); a cursor that old resyncs in full.
delete from sync_log where changed_at < $1;

-- name: rep_accounts
-- The accounts the rep works (`visible_account_ids`: their territories', the accounts they manage,
-- the accounts of their deals); only those of `ids` when $2 is not null; a page: ids above $3, at
-- most $4.
select a.id, a.name, a.address, a.phones, a.channel, a.category, a.account_class, a.status,
       ST_Y(a.location) as lat, ST_X(a.location) as lon, a.territory_id, a.opening_hours_raw,
       a.service_s, a.visit_frequency_per_4_weeks, null::float8 as distance_m,
       coalesce((select jsonb_agg(jsonb_build_array(h.weekday, h.open_s, h.close_s) order by h.weekday, h.open_s)
                 from account_opening_hours h where h.account_id = a.id), '[]'::jsonb) as opening_hours
from accounts a
where a.id in (select v.id from visible_account_ids('rep', $1::bigint) as v(id))
  and ($2::bigint[] is null or a.id = any($2::bigint[]))
  and a.id > $3
order by a.id
limit $4;

-- name: templates_by_id
-- Template versions by id, or every active latest version when $1 is null.
select t.id, t.code, t.version, t.name, t.items, t.channels, t.classes, t.account_ids, t.is_active, t.created_at
from checklist_templates t
where ($1::bigint[] is not null and t.id = any($1::bigint[]))
   or ($1::bigint[] is null and t.is_active
       and t.version = (select max(v.version) from checklist_templates v where v.code = t.code))
order by t.code, t.version;

-- name: rep_time_zone
select coalesce((select time_zone from reps where user_id = $1), 'UTC');

-- name: route_versions
-- Versions of the rep's routes among the ids $1 (from the change log), oldest first.
select r.id as route_id, r.day, r.version, r.kind, r.published_at
from routes r where r.id = any($1::bigint[]) and r.rep_id = $2
order by r.id;
