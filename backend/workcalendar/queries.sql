-- name: insert_holiday
insert into holidays (day, region, name, created_by, created_at) values ($1, $2, $3, $4, $5)
on conflict do nothing
returning id, day, region, name;

-- name: holidays_between
select id, day, region, name from holidays where day between $1 and $2 order by day, region nulls first;

-- name: reps_routed_on
-- Reps with a route (not withdrawn) on $1 whose territory is in region $2 (every rep when $2 is null).
select distinct on (r.rep_id) r.rep_id from routes r
where r.day = $1
  and ($2::text is null or r.rep_id in (select t.owner_rep_id from territories t where t.region = $2))
  and (select x.kind from routes x where x.rep_id = r.rep_id and x.day = $1 order by x.version desc limit 1)
      <> 'withdrawn'
order by r.rep_id;

-- name: rep_for_absence
-- The rep if the caller may manage their absences (scope rule of migration 0007), with their time zone.
select u.id, p.time_zone from users u join reps p on p.user_id = u.id
where u.id = $1 and u.role = 'rep' and u.id in (select visible_rep_ids($2, $3));

-- name: insert_absence
insert into rep_absences (rep_id, first_day, last_day, reason, created_by, created_at)
values ($1, $2, $3, $4, $5, $6)
returning id, rep_id, first_day, last_day, reason;

-- name: absences_of_rep
select id, rep_id, first_day, last_day, reason from rep_absences
where rep_id = $1 and last_day >= $2 and first_day <= $3
order by first_day, id;

-- name: routed_days_of_rep
-- Days in [$2, $3] on which the rep has a route that is not withdrawn.
select distinct on (r.day) r.day, r.kind from routes r
where r.rep_id = $1 and r.day between $2 and $3
order by r.day, r.version desc;
