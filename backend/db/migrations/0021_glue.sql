-- Issue 17, round 2 (glue): an account's contacts and notes reach the rep's phone through the sync
-- feed, so the people at an outlet are known offline. A change of a contact or a new note logs the
-- account (entity `account_card`, entity_id = the account's id, the account's territory), and the
-- feed then carries that account's contacts and latest notes in full (backend/sync).

alter table sync_log drop constraint sync_log_entity_check;
alter table sync_log add constraint sync_log_entity_check
    check (entity in ('account', 'checklist_template', 'territory', 'route', 'notification', 'account_card'));

create function sync_log_account_card() returns trigger
language plpgsql as $$
begin
    insert into sync_log (entity, entity_id, territory_ids)
    select 'account_card', a.id, array_remove(array[a.territory_id], null)
    from accounts a where a.id = new.account_id;
    return new;
end
$$;

create trigger account_contacts_sync_log
after insert or update on account_contacts
for each row execute function sync_log_account_card();

create trigger account_notes_sync_log
after insert or update on account_notes
for each row execute function sync_log_account_card();
