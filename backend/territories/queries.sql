-- name: list_visible_territories
select t.id, t.code, t.name, t.region, t.owner_rep_id, t.backup_rep_id,
       (select count(*) from accounts a where a.territory_id = t.id) as account_count,
       ST_AsGeoJSON(t.geom, 7)::jsonb as geometry
from territories t
left join users owner on owner.id = t.owner_rep_id
where $1::text = 'admin'
   or t.owner_rep_id = $2
   or t.backup_rep_id = $2
   or ($1::text = 'supervisor' and owner.supervisor_id = $2)
order by t.id;
