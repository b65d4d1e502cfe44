-- name: visit_for_photo
-- The caller's own visit (writes), with the outlet position and the rep's time zone.
select v.id, v.checked_in_at, ST_Y(a.location) as account_lat, ST_X(a.location) as account_lon,
       coalesce(r.time_zone, 'UTC') as time_zone
from visits v
join accounts a on a.id = v.account_id
left join reps r on r.user_id = v.rep_id
where v.id = $1 and v.rep_id = $2;

-- name: similar_photos
-- Photos of other visits with the same content or a perceptual hash within $2 bits (Hamming), with
-- their visit's device check-in time: of two such photos, the one of the later visit is the reused
-- one, whichever arrived first. A sequential scan over photo_blobs; fine to ~10^6 photos, then an
-- index (hash-prefix buckets or a BK-tree) is the next step.
select vp.id, vp.visit_id, v.checked_in_at
from visit_photos vp
join photo_blobs b on b.sha256 = vp.sha256
join visits v on v.id = vp.visit_id
where vp.visit_id <> $3
  and (b.sha256 = $4 or bit_count(((b.phash # $1::bigint)::bit(64))) <= $2::int)
order by v.checked_in_at, vp.id
limit 50;

-- name: mark_reused
-- A photo that arrived first turns out to be the reused one (its visit is later than the other).
update visit_photos
set flags = case when 'reused' = any(flags) then flags else array_append(flags, 'reused') end,
    reused_from_visit_id = coalesce(reused_from_visit_id, $2)
where id = $1;

-- name: blob_exists
select exists (select 1 from photo_blobs where sha256 = $1);

-- name: insert_blob
insert into photo_blobs (sha256, media_type, size_bytes, width, height, phash, captured_at, gps_location)
values ($1, $2, $3, $4, $5, $6, $7,
        case when $8::float8 is null or $9::float8 is null then null
             else ST_SetSRID(ST_MakePoint($9::float8, $8::float8), 4326) end)
on conflict (sha256) do nothing;

-- name: insert_visit_photo
insert into visit_photos (id, visit_id, rep_id, sha256, item_key, flags, reused_from_visit_id)
values ($1, $2, $3, $4, $5, $6, $7)
on conflict (id) do nothing
returning id;

-- name: photo_in_scope
-- Reads: a rep their own photos, a supervisor their team's, an admin all.
select p.id, p.visit_id, p.sha256, b.media_type, b.size_bytes, b.width, b.height, b.captured_at,
       ST_Y(b.gps_location) as gps_lat, ST_X(b.gps_location) as gps_lon, p.item_key, p.flags,
       -- The other visit is named only to a caller who may see it (a rep never learns of another
       -- rep's visit; the flag itself is always there).
       (select o.id from visits o
        where o.id = p.reused_from_visit_id and o.rep_id in (select visible_rep_ids($2, $3))) as reused_from_visit_id,
       p.received_at
from visit_photos p
join photo_blobs b on b.sha256 = p.sha256
where p.id = $1
  and p.rep_id in (select visible_rep_ids($2, $3));

-- name: photos_of_visit_in_scope
select p.id, p.visit_id, p.sha256, b.media_type, b.size_bytes, b.width, b.height, b.captured_at,
       ST_Y(b.gps_location) as gps_lat, ST_X(b.gps_location) as gps_lon, p.item_key, p.flags,
       -- The other visit is named only to a caller who may see it (a rep never learns of another
       -- rep's visit; the flag itself is always there).
       (select o.id from visits o
        where o.id = p.reused_from_visit_id and o.rep_id in (select visible_rep_ids($2, $3))) as reused_from_visit_id,
       p.received_at
from visit_photos p
join photo_blobs b on b.sha256 = p.sha256
join visits v on v.id = p.visit_id
where p.visit_id = $1
  and v.rep_id in (select visible_rep_ids($2, $3))
order by p.received_at, p.id;

-- name: visit_in_scope
select exists (
    select 1 from visits v
    where v.id = $1 and v.rep_id in (select visible_rep_ids($2, $3))
);
