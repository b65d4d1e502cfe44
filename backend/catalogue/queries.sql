-- name: upsert_brand
-- A brand by name; an existing brand keeps its id ($2: own or competitor, updated).
insert into brands (name, is_own) values ($1, $2)
on conflict (name) do update set is_own = excluded.is_own
returning id;

-- name: upsert_category
-- One level of the tree by its path; returns its id.
-- A new root takes the next free bit of orders.category_mask (none beyond 63 roots).
insert into product_categories (code, name, parent_id, path, root_id, bit_index)
values ($1, $2, $3, $4, $5,
        case when $3::bigint is null
             then (select n from generate_series(0, 62) n
                   where n not in (select bit_index from product_categories where bit_index is not null)
                   order by n limit 1)
        end)
on conflict (path) do update set name = excluded.name
returning id;

-- name: set_category_root
update product_categories set root_id = id where id = $1 and root_id is null;

-- name: upsert_product
insert into products (sku, name, brand_id, category_id, unit, pack_size, ean, volume_l, is_alcohol, is_active)
values ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9, $10)
on conflict (sku) do update
set name = excluded.name, brand_id = excluded.brand_id, category_id = excluded.category_id,
    unit = excluded.unit, pack_size = excluded.pack_size, ean = excluded.ean, volume_l = excluded.volume_l,
    is_alcohol = excluded.is_alcohol, is_active = excluded.is_active, updated_at = now()
returning id;

-- name: products
-- Products, all or only active ones ($1), or only those of the SKUs $2 (null: any).
select p.id, p.sku, p.name, b.name as brand, b.is_own as brand_is_own, c.path as category_path,
       r.code as root_category, p.unit, p.pack_size, p.ean, p.volume_l::float8 as volume_l,
       p.is_alcohol, p.is_active
from products p
join brands b on b.id = p.brand_id
join product_categories c on c.id = p.category_id
join product_categories r on r.id = c.root_id
where (not $1::boolean or p.is_active)
  and ($2::text[] is null or p.sku = any($2::text[]))
order by p.sku;

-- name: brands
select id, name, is_own from brands order by name;

-- name: categories
select id, code, name, path, parent_id, root_id from product_categories order by path;

-- name: product_ids_by_sku
select sku, id, unit from products where sku = any($1::text[]);

-- name: account_in_scope
-- The account if the caller works it (visible_account_ids, migration 0014: their territories, book
-- and deals' accounts).
select a.id, a.channel from accounts a
where a.id = $3 and a.id in (select visible_account_ids($1, $2));

-- name: lists_of_target
-- Price lists of the same target (a channel, or an account), for the overlap check.
select code, valid_from, valid_to from price_lists
where ($1::text is not null and channel = $1) or ($2::bigint is not null and account_id = $2)
order by valid_from;

-- name: insert_price_list
insert into price_lists (code, name, channel, account_id, valid_from, valid_to, currency)
values ($1, $2, $3, $4, $5, $6, $7)
returning id;

-- name: insert_price_items
insert into price_list_items (price_list_id, product_id, price)
select $1, unnest($2::bigint[]), unnest($3::numeric[]);

-- name: upsert_price_item
insert into price_list_items (price_list_id, product_id, price) values ($1, $2, $3::numeric)
on conflict (price_list_id, product_id) do update set price = excluded.price;

-- name: price_list_by_code
select id, code, name, channel, account_id, valid_from, valid_to, currency from price_lists where code = $1;

-- name: price_list_items
select p.sku, i.product_id, i.price::float8 as price
from price_list_items i join products p on p.id = i.product_id
where i.price_list_id = $1
order by p.sku;

-- name: price_lists_in_scope
-- Channel lists (everyone reads them) and the account lists of the accounts the caller works.
select l.id, l.code, l.name, l.channel, l.account_id, l.valid_from, l.valid_to, l.currency,
       (select count(*) from price_list_items i where i.price_list_id = l.id)::int as item_count
from price_lists l
where l.account_id is null
   or l.account_id in (select visible_account_ids($1, $2))
order by l.code;

-- name: price_list_visible
select l.id, l.code, l.name, l.channel, l.account_id, l.valid_from, l.valid_to, l.currency
from price_lists l
where l.id = $3
  and (l.account_id is null
       or l.account_id in (select visible_account_ids($1, $2)));

-- name: replace_must_stock
-- $1 channel, $2 class: the list becomes exactly the products $3.
with gone as (
    delete from must_stock where channel = $1 and account_class = $2 and product_id <> all($3::bigint[])
)
insert into must_stock (channel, account_class, product_id)
select $1, $2, unnest($3::bigint[])
on conflict do nothing;

-- name: add_must_stock
insert into must_stock (channel, account_class, product_id) values ($1, $2, $3) on conflict do nothing;

-- name: must_stock
select m.channel, m.account_class, p.sku, m.product_id
from must_stock m join products p on p.id = m.product_id
where ($1::text is null or m.channel = $1)
order by m.channel, m.account_class, p.sku;

-- name: bundle_price_lists
-- Lists that apply to the accounts the rep works (visible_account_ids: their channels' lists and their
-- own), valid today or later, so the phone prices an order as POST /api/v1/orders will.
select l.id, l.code, l.name, l.channel, l.account_id, l.valid_from, l.valid_to, l.currency,
       (select count(*) from price_list_items i where i.price_list_id = l.id)::int as item_count
from price_lists l
where (l.valid_to is null or l.valid_to >= $3::date)
  and (l.channel in (select distinct a.channel from accounts a
                     where a.id in (select visible_account_ids($1, $2)))
       or l.account_id in (select visible_account_ids($1, $2)))
order by l.code;

-- name: bundle_prices
select i.price_list_id, i.product_id, i.price::float8 as price
from price_list_items i join products p on p.id = i.product_id
where i.price_list_id = any($1::bigint[]) and p.is_active
order by i.price_list_id, i.product_id;
