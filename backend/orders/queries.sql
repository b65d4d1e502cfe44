-- name: order_account
-- The account if the caller works it (visible_account_ids, migration 0014: their territories, the
-- accounts they manage, the accounts of their deals), so a closer or a farmer takes their accounts'
-- orders wherever they lie.
select a.id, a.channel, a.territory_id from accounts a
where a.id = $3 and a.id in (select visible_account_ids($1, $2));

-- name: rep_time_zone
select coalesce((select time_zone from reps where user_id = $1), 'UTC');

-- name: visit_of_rep_at_account
select v.id from visits v where v.id = $1 and v.rep_id = $2 and v.account_id = $3;

-- name: products_by_sku
select p.sku, p.id, p.unit, p.is_active, c.root_id as category_id
from products p join product_categories c on c.id = p.category_id
where p.sku = any($1::text[]);

-- name: price_candidates
-- Prices of these products on the account's own lists and its channel's lists valid on day $3.
select l.id as price_list_id, l.account_id, l.channel, l.valid_from, l.valid_to, i.product_id,
       i.price::float8 as price
from price_lists l join price_list_items i on i.price_list_id = l.id
where (l.account_id = $1 or (l.account_id is null and l.channel = $2))
  and l.valid_from <= $3::date and (l.valid_to is null or l.valid_to >= $3::date)
  and i.product_id = any($4::bigint[]);

-- name: insert_order
-- Nothing when the id is taken (another request under the same id, from another user or expired key).
insert into orders (id, account_id, rep_id, visit_id, territory_id, status, ordered_at, order_day, delivery_day,
                    comment, total_amount, total_units, line_count)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::numeric, $12::numeric, $13)
on conflict (id) do nothing
returning id;

-- name: insert_lines
-- The lines, and the order's category mask from their root categories.
with inserted as (
    insert into order_lines (order_id, line_no, product_id, price_list_id, quantity, list_price, discount_pct, amount,
                             order_day, status, account_id, rep_id, territory_id, category_id)
    select $1, t.line_no, t.product_id, t.price_list_id, t.quantity, t.list_price, t.discount_pct, t.amount,
           o.order_day, o.status, o.account_id, o.rep_id, o.territory_id, t.category_id
    from orders o,
         unnest($2::smallint[], $3::bigint[], $4::bigint[], $5::numeric[], $6::numeric[], $7::numeric[],
                $8::numeric[], $9::bigint[])
             as t(line_no, product_id, price_list_id, quantity, list_price, discount_pct, amount, category_id)
    where o.id = $1
    returning category_id
)
update orders set category_mask = coalesce(
    (select bit_or(1::bigint << c.bit_index) from product_categories c
     where c.id in (select category_id from inserted) and c.bit_index is not null), 0)
where id = $1;

-- name: insert_status_change
insert into order_status_changes (order_id, from_status, to_status, changed_by, changed_at, note)
values ($1, $2, $3, $4, $5, $6);

-- name: order_in_scope
-- The order if the caller may read it: taken by a rep in their scope or for an account of their
-- territories.
select o.id, o.account_id, a.name as account_name, o.rep_id, o.visit_id, o.territory_id, o.status, o.ordered_at,
       o.order_day, o.delivery_day, o.comment, o.total_amount::float8 as total_amount,
       o.total_units::float8 as total_units, o.line_count, o.received_at
from orders o join accounts a on a.id = o.account_id
where o.id = $3
  and (o.rep_id in (select visible_rep_ids($1, $2)) or o.territory_id in (select visible_territory_ids($1, $2)));

-- name: order_lines
select l.line_no, p.sku, p.name, r.code as root_category, l.quantity::float8 as quantity,
       l.list_price::float8 as list_price, l.discount_pct::float8 as discount_pct, l.amount::float8 as amount,
       l.price_list_id
from order_lines l
join products p on p.id = l.product_id
join product_categories r on r.id = l.category_id
where l.order_id = $1
order by l.line_no;

-- name: order_history
select from_status, to_status, changed_by, changed_at, note
from order_status_changes where order_id = $1 order by id;

-- name: lock_order
select status, rep_id from orders where id = $1 for update;

-- name: set_status
with lines as (update order_lines set status = $2 where order_id = $1)
update orders set status = $2, updated_at = now() where id = $1;

-- name: list_orders
-- Orders in the caller's scope, newest order day first; filters are optional (null: any).
select o.id, o.account_id, a.name as account_name, o.rep_id, o.visit_id, o.status, o.order_day, o.delivery_day,
       o.total_amount::float8 as total_amount, o.total_units::float8 as total_units, o.line_count
from orders o join accounts a on a.id = o.account_id
where (o.rep_id in (select visible_rep_ids($1, $2)) or o.territory_id in (select visible_territory_ids($1, $2)))
  and ($3::bigint is null or o.account_id = $3)
  and ($4::text is null or o.status = $4)
  and ($5::date is null or o.order_day >= $5)
  and ($6::date is null or o.order_day <= $6)
order by o.order_day desc, o.received_at desc, o.id
limit $7;

-- name: export_lines
-- Lines of the orders in the caller's scope with status $3 received in [$4, $5).
select o.id::text as order_id, o.status, o.order_day, o.delivery_day, o.account_id, a.name as account_name,
       (select s.external_id from account_sources s where s.account_id = a.id order by s.id limit 1)
           as account_external_id,
       u.email as rep_email, l.line_no, p.sku, p.name as product_name, l.quantity::float8 as quantity,
       l.list_price::float8 as list_price, l.discount_pct::float8 as discount_pct, l.amount::float8 as amount,
       o.comment
from orders o
join accounts a on a.id = o.account_id
join users u on u.id = o.rep_id
join order_lines l on l.order_id = o.id
join products p on p.id = l.product_id
where (o.rep_id in (select visible_rep_ids($1, $2)) or o.territory_id in (select visible_territory_ids($1, $2)))
  and o.status = $3
  and o.received_at >= $4 and o.received_at < $5
order by o.received_at, o.id, l.line_no;

-- name: account_visible
-- As order_account: the rep in a visit reads the history and suggestions of any account they work.
select a.id, a.channel, a.territory_id from accounts a
where a.id = $3 and a.id in (select visible_account_ids($1, $2));

-- name: account_month_category_totals
-- The account's sales fact (orders in statuses $2) per month and root category, months [$3, $4].
select date_trunc('month', l.order_day)::date as month, r.code as category,
       count(distinct l.order_id)::int as orders, sum(l.quantity)::float8 as units, sum(l.amount)::float8 as amount
from order_lines l join product_categories r on r.id = l.category_id
where l.account_id = $1 and l.status = any($2::text[])
  and l.order_day >= $3 and l.order_day < ($4::date + interval '1 month')
group by 1, 2
order by 1, 2;

-- name: not_bought_since
-- Products the account bought (statuses $2) before, but not in the $3 days up to day $4.
select p.sku, p.name, r.code as root_category, max(l.order_day) as last_ordered_day
from order_lines l
join products p on p.id = l.product_id
join product_categories r on r.id = l.category_id
where l.account_id = $1 and l.status = any($2::text[]) and l.order_day <= $4::date and p.is_active
group by p.id, p.sku, p.name, r.code
having max(l.order_day) <= $4::date - $3::int
order by max(l.order_day) desc, p.sku;

-- name: cross_sell
-- "Bought by similar accounts but not by this one": similar = same channel and class, active in the
-- $3 days up to day $4 (statuses $2); products at least $5 % of them bought in that window and this
-- account never bought, on a price list the account can buy from today; most bought first.
with me as (
    select id, channel, account_class from accounts where id = $1
), peers as (
    select a.id from accounts a, me
    where a.channel = me.channel and a.account_class = me.account_class and a.id <> me.id
      and a.id in (select active_account_ids(($4::date - $3::int), $4::date))
), bought as (
    select l.product_id, count(distinct l.account_id)::int as buyers
    from order_lines l
    where l.account_id in (select id from peers) and l.status = any($2::text[])
      and l.order_day between ($4::date - $3::int) and $4::date
    group by l.product_id
), mine as (
    select distinct product_id from order_lines where account_id = $1 and status = any($2::text[])
), sellable as (
    select distinct i.product_id from price_lists l join price_list_items i on i.price_list_id = l.id, me
    where (l.account_id = me.id or (l.account_id is null and l.channel = me.channel))
      and l.valid_from <= $4::date and (l.valid_to is null or l.valid_to >= $4::date)
)
select p.sku, p.name, r.code as root_category, b.buyers as similar_buyers,
       (select count(*) from peers)::int as similar_accounts,
       round(100.0 * b.buyers / greatest((select count(*) from peers), 1), 1)::float8 as share_pct
from bought b
join products p on p.id = b.product_id and p.is_active
join product_categories c on c.id = p.category_id
join product_categories r on r.id = c.root_id
where b.product_id not in (select product_id from mine)
  and b.product_id in (select product_id from sellable)
  and 100.0 * b.buyers / greatest((select count(*) from peers), 1) >= $5::float8
order by b.buyers desc, p.sku
limit $6;

-- name: enqueue_webhook
insert into order_webhooks (order_id, event, payload, next_attempt_at) values ($1, $2, $3::jsonb, $4);

-- name: due_webhooks
select id, order_id, event, payload, attempts from order_webhooks
where delivered_at is null and failed_at is null and next_attempt_at <= $1
order by next_attempt_at, id
limit $2
for update skip locked;

-- name: webhook_delivered
update order_webhooks set delivered_at = $2, attempts = attempts + 1, last_error = null where id = $1;

-- name: webhook_failed
-- $3: the next attempt's time, or null when this was the last attempt (then it is marked failed).
update order_webhooks
set attempts = attempts + 1, last_error = $4::text,
    next_attempt_at = coalesce($3, next_attempt_at),
    failed_at = case when $3::timestamptz is null then $2::timestamptz end
where id = $1;

-- name: purge_delivered_webhooks
delete from order_webhooks where delivered_at < $1 or failed_at < $1;
