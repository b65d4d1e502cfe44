-- The scope rule, once: who may read which people and which territories. Every per-person or
-- per-territory query joins one of these (parameters always in the order role, user id) instead of
-- spelling the rule out. Both are plain STABLE SQL functions, so the planner inlines them.
--
--   visible_rep_ids(role, user_id): the caller themselves; for a supervisor, everyone whose
--     supervisor_id is theirs (their team); for an admin, every user.
--   visible_territory_ids(role, user_id): for a rep, the territories they own or back up; for a
--     supervisor, those owned by a rep of their team; for an admin, every territory.

create function visible_rep_ids(p_role text, p_user_id bigint) returns setof bigint
language sql stable parallel safe as $$
    select u.id from users u
    where p_role = 'admin'
       or u.id = p_user_id
       or (p_role = 'supervisor' and u.supervisor_id = p_user_id)
$$;

create function visible_territory_ids(p_role text, p_user_id bigint) returns setof bigint
language sql stable parallel safe as $$
    select t.id from territories t
    left join users owner on owner.id = t.owner_rep_id
    where p_role = 'admin'
       or t.owner_rep_id = p_user_id
       or t.backup_rep_id = p_user_id
       or (p_role = 'supervisor' and owner.supervisor_id = p_user_id)
$$;
