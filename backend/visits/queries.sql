-- name: check_in_context
-- Everything a check-in is judged on, in one round trip; no row when the account is neither one the
-- rep works (visible_account_ids, migration 0014: their territories as owner or backup, their book,
-- the accounts of their deals) nor on a version of the rep's route of the check-in's local day (an
-- absent colleague's visit handed over to them):
-- - the distance in metres from the reported position to the account (geography: true metres;
--   NULL when the account has no location yet);
-- - the rep's published route for the check-in's local day (their time zone; highest version) and
--   this account's stop on it (route_id NULL: no route planned; seq NULL: not on it);
-- - the rep's previous check-in by device time, and its distance from this position.
with here as (select ST_SetSRID(ST_MakePoint($4::float8, $3::float8), 4326)::geography as point),
     local_day as (
         select ($5::timestamptz at time zone coalesce((select time_zone from reps where user_id = $2), 'UTC'))::date
             as day),
     account as (
         select a.id, a.location from accounts a
         where a.id = $1
           and (a.id in (select visible_account_ids('rep', $2))
                or exists (select 1 from routes r join route_stops s on s.route_id = r.id
                           where r.rep_id = $2 and r.day = (select day from local_day) and s.account_id = a.id))
         limit 1),
     route as (
         select r.id from routes r
         where r.rep_id = $2
           and r.day = (select day from local_day)
         order by r.version desc
         limit 1)
select account.id as account_id,
       ST_Distance(account.location::geography, here.point) as distance_m,
       (select id from route) as route_id,
       (select s.seq from route_stops s where s.route_id = (select id from route) and s.account_id = $1
        order by s.seq limit 1) as route_stop_seq,
       previous.checked_in_at as previous_at,
       ST_Distance(previous.check_in_location::geography, here.point) as previous_distance_m
from account cross join here
left join lateral (
    select v.checked_in_at, v.check_in_location from visits v
    where v.rep_id = $2 and v.id <> $6 and (v.checked_in_at, v.id) < ($5::timestamptz, $6::uuid)
    order by v.checked_in_at desc, v.id desc
    limit 1
) previous on true;

-- name: next_check_in
select v.id, v.checked_in_at, v.flags,
       ST_Distance(v.check_in_location::geography,
                   ST_SetSRID(ST_MakePoint($5::float8, $4::float8), 4326)::geography) as distance_m
from visits v
where v.rep_id = $1 and v.id <> $3 and (v.checked_in_at, v.id) > ($2::timestamptz, $3::uuid)
order by v.checked_in_at, v.id
limit 1;

-- name: insert_visit
insert into visits (id, rep_id, account_id, route_id, route_stop_seq, checked_in_at, check_in_location,
                    check_in_accuracy_m, check_in_mock, check_in_distance_m, check_in_sent_at,
                    check_in_reason, flags)
values ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($8::float8, $7::float8), 4326), $9, $10, $11, $12, $13,
        $14)
on conflict (id) do nothing
returning id, rep_id, account_id, route_id, route_stop_seq, checked_in_at,
          ST_Y(check_in_location) as lat, ST_X(check_in_location) as lon,
          check_in_accuracy_m as accuracy_m, check_in_mock as mock_location,
          check_in_distance_m as distance_m, check_in_reason as reason,
          checked_out_at, ST_Y(check_out_location) as check_out_lat, ST_X(check_out_location) as check_out_lon,
          check_out_accuracy_m, check_out_mock, check_out_distance_m, check_out_reason, flags, received_at;

-- name: set_flags
update visits set flags = $2, updated_at = now() where id = $1;

-- name: visit_of_rep
-- A visit of this rep (writes: another rep's visit is "not found").
select v.id, v.rep_id, v.account_id, v.checked_in_at, v.checked_out_at, v.flags,
       ST_Y(a.location) as account_lat, ST_X(a.location) as account_lon
from visits v join accounts a on a.id = v.account_id
where v.id = $1 and v.rep_id = $2;

-- name: check_out
update visits
set checked_out_at = $3,
    check_out_location = ST_SetSRID(ST_MakePoint($5::float8, $4::float8), 4326),
    check_out_accuracy_m = $6,
    check_out_mock = $7,
    check_out_distance_m = $8,
    check_out_reason = $9,
    flags = $10,
    updated_at = now()
where id = $1 and rep_id = $2;

-- name: check_out_distance
select ST_Distance(a.location::geography, ST_SetSRID(ST_MakePoint($3::float8, $2::float8), 4326)::geography)
from visits v join accounts a on a.id = v.account_id
where v.id = $1;

-- name: visit_in_scope
-- Reads: a rep their own visits, a supervisor their team's, an admin all.
select v.id, v.rep_id, v.account_id, v.route_id, v.route_stop_seq, v.checked_in_at,
       ST_Y(v.check_in_location) as lat, ST_X(v.check_in_location) as lon,
       v.check_in_accuracy_m as accuracy_m, v.check_in_mock as mock_location,
       v.check_in_distance_m as distance_m, v.check_in_reason as reason,
       v.checked_out_at, ST_Y(v.check_out_location) as check_out_lat, ST_X(v.check_out_location) as check_out_lon,
       v.check_out_accuracy_m, v.check_out_mock, v.check_out_distance_m, v.check_out_reason,
       v.flags, v.received_at
from visits v
where v.id = $1
  and v.rep_id in (select visible_rep_ids($2, $3));

-- name: list_visits_in_scope
-- Visits in the caller's scope whose device check-in time is in [$4, $5), optionally of one rep,
-- ordered by the device clock.
select v.id, v.rep_id, v.account_id, v.route_id, v.route_stop_seq, v.checked_in_at,
       ST_Y(v.check_in_location) as lat, ST_X(v.check_in_location) as lon,
       v.check_in_accuracy_m as accuracy_m, v.check_in_mock as mock_location,
       v.check_in_distance_m as distance_m, v.check_in_reason as reason,
       v.checked_out_at, ST_Y(v.check_out_location) as check_out_lat, ST_X(v.check_out_location) as check_out_lon,
       v.check_out_accuracy_m, v.check_out_mock, v.check_out_distance_m, v.check_out_reason,
       v.flags, v.received_at
from visits v
where v.rep_id in (select visible_rep_ids($1, $2))
  and ($3::bigint is null or v.rep_id = $3)
  and v.checked_in_at >= $4 and v.checked_in_at < $5
  and ($7::timestamptz is null or (v.checked_in_at, v.id) > ($7, $8::uuid))
order by v.checked_in_at, v.id
limit $6;

-- name: open_visit_at_account
-- The rep's open visit (not checked out) at this account nearest in device time to $4, other than $3:
-- the retry rule (visits.checkin.retried_check_in) decides whether $4 is the same visit again.
select v.id, v.checked_in_at
from visits v
where v.rep_id = $1 and v.account_id = $2 and v.checked_out_at is null and v.id <> $3
order by abs(extract(epoch from v.checked_in_at - $4::timestamptz)), v.id
limit 1;

-- name: missing_required_checklists
-- How many checklists the visit still owes: templates assigned to its account (latest active version
-- of each code, the assignment rule of backend/checklists) with at least one required item, and no
-- answers stored for the visit on any version of that code.
with assigned as (
    select distinct on (t.code) t.code, t.items
    from checklist_templates t, visits v join accounts a on a.id = v.account_id
    where v.id = $1 and t.is_active
      and ((cardinality(t.channels) = 0 and cardinality(t.classes) = 0 and cardinality(t.account_ids) = 0)
           or a.channel = any(t.channels) or a.account_class = any(t.classes) or a.id = any(t.account_ids))
    order by t.code, t.version desc)
select count(*)::int
from assigned
where exists (select 1 from jsonb_array_elements(assigned.items) item
              where coalesce((item ->> 'required')::boolean, false))
  and not exists (select 1 from visit_checklists c join checklist_templates answered on answered.id = c.template_id
                  where c.visit_id = $1 and answered.code = assigned.code);

-- name: visit_flags
select flags from visits where id = $1;
