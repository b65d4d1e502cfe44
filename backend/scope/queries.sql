-- The rule itself lives in migration 0007 (visible_rep_ids, visible_territory_ids); these ask it.

-- name: visible_territory_ids
select s.id from visible_territory_ids($1::text, $2::bigint) as s(id) order by s.id;

-- name: rep_is_visible
select exists (
    select 1 from users u
    where u.id = $3 and u.role = 'rep' and u.id in (select visible_rep_ids($1::text, $2::bigint))
);
