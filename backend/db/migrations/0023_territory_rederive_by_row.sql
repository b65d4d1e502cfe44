-- A territory inserted, deleted or re-drawn re-derives only the accounts it can move: those its old or
-- new boundary covers and those assigned to it. 0003's statement trigger re-derived every account of
-- the base once per statement, so a territory file imported feature by feature into a base of 100,000
-- accounts looked each of them up once per territory. The rule itself is unchanged (0003): a polygon
-- covering the point decides, lowest id on a shared border; with none, a manual assignment stays.
drop trigger territories_rederive_accounts on territories;

create or replace function territories_rederive_accounts() returns trigger
language plpgsql as $$
declare
    old_id bigint;
    old_geom geometry;
    new_geom geometry;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        old_id := old.id;
        old_geom := old.geom;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        new_geom := new.geom;
    end if;
    update accounts a
    set territory_id = d.territory_id,
        territory_manual = false,
        territory_assigned_by = null,
        updated_at = now()
    from (
        select c.id, account_territory_for(c.location) as territory_id
        from accounts c
        where c.location is not null
          and (c.territory_id = old_id
               or (new_geom is not null and ST_Covers(new_geom, c.location))
               or (old_geom is not null and ST_Covers(old_geom, c.location)))
    ) d
    where d.id = a.id
      and d.territory_id is distinct from a.territory_id
      and not (a.territory_manual and d.territory_id is null);
    return null;
end
$$;

create trigger territories_rederive_accounts
after insert or delete or update of geom on territories
for each row execute function territories_rederive_accounts();
