-- The rep's offline book is every account they work (`visible_account_ids`): their territories', the
-- accounts they manage (a farmer's or key account manager's book) and the accounts of their deals (a
-- closer's). An account's log entry therefore also names its account managers, before and after the
-- change, and a deal that is opened, handed on or deleted logs its account for its owners, before
-- and after, so the delta brings the account to the new owner's phone and drops it from the old one.
create or replace function sync_log_account() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into sync_log (entity, entity_id, territory_ids, rep_ids)
        values ('account', old.id, array_remove(array[old.territory_id], null),
                array_remove(array[old.account_manager_id], null));
        return old;
    end if;
    insert into sync_log (entity, entity_id, territory_ids, rep_ids)
    values ('account', new.id,
            array_remove(array[new.territory_id, case when tg_op = 'UPDATE' then old.territory_id end], null),
            array_remove(array[new.account_manager_id,
                               case when tg_op = 'UPDATE' then old.account_manager_id end], null));
    return new;
end
$$;

create function sync_log_deal_account() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into sync_log (entity, entity_id, rep_ids) values ('account', old.account_id, array[old.owner_id]);
        return old;
    end if;
    if tg_op = 'UPDATE' and old.owner_id = new.owner_id and old.account_id = new.account_id then
        return new;
    end if;
    insert into sync_log (entity, entity_id, rep_ids)
    values ('account', new.account_id,
            array_remove(array[new.owner_id, case when tg_op = 'UPDATE' then old.owner_id end], null));
    if tg_op = 'UPDATE' and old.account_id <> new.account_id then
        insert into sync_log (entity, entity_id, rep_ids) values ('account', old.account_id, array[old.owner_id]);
    end if;
    return new;
end
$$;

create trigger deals_sync_log
after insert or update of owner_id, account_id or delete on deals
for each row execute function sync_log_deal_account();
