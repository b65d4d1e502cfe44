-- name: count_users
select count(*) from users;

-- name: insert_territory
insert into territories (code, name, region, geom, owner_rep_id)
values ($1, $2, $3, ST_Multi(ST_GeomFromText($4, 4326)), $5)
returning id;

-- name: insert_account_with_source_and_hours
-- One account, its provenance and its weekly opening hours ([[iso_weekday, open_s, close_s], ...]).
with account as (
    insert into accounts (name, address, phones, channel, category, account_class, status, location,
                          opening_hours_raw, opening_hours_source, service_s, visit_frequency_per_4_weeks)
    values ($1, $2, $3, $4, $5, $6, $7, ST_SetSRID(ST_MakePoint($9::float8, $8::float8), 4326),
            $10, $11, $12, $13)
    returning id
), source as (
    insert into account_sources (account_id, source, external_id)
    select id, $14, $15 from account
)
insert into account_opening_hours (account_id, weekday, open_s, close_s)
select account.id, (window_item ->> 0)::smallint, (window_item ->> 1)::integer, (window_item ->> 2)::integer
from account, jsonb_array_elements($16::jsonb) as window_item;

-- name: set_rep_profile
update reps set home = ST_SetSRID(ST_MakePoint($3::float8, $2::float8), 4326), shift_start_s = $4,
                shift_end_s = $5, time_zone = $6, travel_mode = $7
where user_id = $1;
