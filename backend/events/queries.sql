-- name: route_events_after
-- The rep's route-version events after event id $2, oldest first (at most $3).
select e.id, e.route_id, e.day, e.version, e.kind, e.published_at
from route_events e
where e.rep_id = $1 and e.id > $2
order by e.id
limit $3;
