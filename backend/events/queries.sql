-- name: events_after
-- The user's events after event id $2, oldest first (at most $3): route versions (of their routes)
-- and notifications (hand-overs, reminders...), which share one numbering (migration 0014).
select e.id, 'route' as event,
       jsonb_build_object('route_id', e.route_id, 'day', e.day, 'version', e.version, 'kind', e.kind,
                          'etag', '"route-' || e.route_id || '"', 'published_at', e.published_at) as data,
       e.published_at as created_at
from route_events e
where e.rep_id = $1 and e.id > $2
union all
select n.id, n.kind as event, n.payload || jsonb_build_object('created_at', n.created_at) as data, n.created_at
from notifications n
where n.user_id = $1 and n.id > $2
order by id
limit $3;

-- name: insert_notification
-- The payload comes as JSON text: cast here, so the connection's jsonb codec (which would encode the
-- text again, as a JSON string) is not involved.
insert into notifications (user_id, kind, payload, created_at) values ($1, $2, $3::text::jsonb, $4)
returning id;

-- name: notifications_by_id
-- Notifications among the ids $1 (from the change log) addressed to user $2, oldest first.
select n.id, n.kind, n.payload, n.created_at from notifications n
where n.id = any($1::bigint[]) and n.user_id = $2
order by n.id;

-- name: notifications_since
-- The user's notifications created at or after $2 (a full sync answer lists the recent ones).
select n.id, n.kind, n.payload, n.created_at from notifications n
where n.user_id = $1 and n.created_at >= $2
order by n.id;

-- name: purge_notifications
-- Notifications created before $1 (the caller passes the sync horizon's cut-off).
delete from notifications where created_at < $1;
