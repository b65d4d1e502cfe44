-- name: newest_route
select r.id, r.rep_id, r.day, r.version, r.kind, r.published_at, r.start_s, r.end_s, r.travel_s, r.distance_m,
       r.unassigned
from routes r where r.rep_id = $1 and r.day = $2
order by r.version desc limit 1;

-- name: route_stops
select s.seq, s.source, s.priority, s.due_day, s.arrival_s, s.start_s, s.end_s, s.service_s,
       s.travel_from_previous_s, s.window_start_s, s.window_end_s, s.pinned_start_s,
       a.id as account_id, a.name, a.address, a.phones, a.channel, a.account_class,
       ST_Y(a.location) as lat, ST_X(a.location) as lon
from route_stops s join accounts a on a.id = s.account_id
where s.route_id = $1 order by s.seq;

-- name: route_breaks
select start_s, end_s from route_breaks where route_id = $1 order by start_s;

-- name: team_rep_ids
select u.id from users u join reps r on r.user_id = u.id
where u.role = 'rep' and u.is_active and u.id in (select visible_rep_ids($1, $2))
order by u.id;

-- name: rep_time_zone
select time_zone from reps where user_id = $1;

-- name: rep_day_frame
-- What a re-plan request is checked against: the rep's shift, time zone and home.
select r.shift_start_s, r.shift_end_s, r.time_zone, ST_Y(r.home) as home_lat, ST_X(r.home) as home_lon
from reps r where r.user_id = $1;
