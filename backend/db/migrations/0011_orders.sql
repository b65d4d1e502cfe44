-- The sale in the visit: catalogue (brands, category tree, products, price lists, must-stock lists),
-- orders taken in visits with their lines and status history, the webhook outbox, units in sales
-- plans, and the orders-based definition of the active base.

create extension if not exists btree_gist;

create table brands (
    id bigint generated always as identity primary key,
    name text not null unique check (length(trim(name)) > 0),
    -- false: a competitor's brand (seen on shelves and wine lists, never sold by us)
    is_own boolean not null default true,
    created_at timestamptz not null default now()
);

-- The category tree: a root (wine, sparkling, spirits, beer, soft drinks) is what plans and figures
-- group by; children refine it (wine/red). `path` is the slash-joined codes from the root.
create table product_categories (
    id bigint generated always as identity primary key,
    code text not null check (code ~ '^[a-z0-9_]+$'),
    name text not null,
    parent_id bigint references product_categories (id),
    path text not null unique,
    root_id bigint references product_categories (id),
    -- roots only: the category's bit in orders.category_mask (cross-sell breadth counts bits)
    bit_index smallint unique check (bit_index between 0 and 62)
);

create table products (
    id bigint generated always as identity primary key,
    sku text not null unique check (length(trim(sku)) > 0),
    name text not null check (length(trim(name)) > 0),
    brand_id bigint not null references brands (id),
    category_id bigint not null references product_categories (id),
    -- bottle, can, piece, case and keg are counted in whole units; litre and kg may be fractional
    unit text not null check (unit in ('bottle', 'can', 'piece', 'case', 'keg', 'litre', 'kg')),
    pack_size integer not null default 1 check (pack_size between 1 and 1000),
    ean text check (ean ~ '^[0-9]{8,14}$'),
    volume_l numeric(8, 3) check (volume_l > 0),
    is_alcohol boolean not null default false,
    is_active boolean not null default true,
    updated_at timestamptz not null default now()
);
create index products_brand_idx on products (brand_id);
create index products_category_idx on products (category_id);

-- A price list applies to a channel or to one account (an account's list wins over its channel's),
-- on the days [valid_from, valid_to] (valid_to NULL: open-ended). Two lists for the same channel or
-- the same account never overlap in time.
create table price_lists (
    id bigint generated always as identity primary key,
    code text not null unique check (length(trim(code)) > 0),
    name text not null,
    channel text check (channel in ('horeca', 'retail', 'other')),
    account_id bigint references accounts (id) on delete cascade,
    valid_from date not null,
    valid_to date,
    currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz not null default now(),
    constraint price_lists_one_target check ((channel is null) <> (account_id is null)),
    constraint price_lists_validity_order check (valid_to is null or valid_to >= valid_from),
    constraint price_lists_no_overlap exclude using gist (
        coalesce(channel, '') with =,
        coalesce(account_id, 0) with =,
        daterange(valid_from, valid_to, '[]') with &&
    )
);
create index price_lists_account_idx on price_lists (account_id) where account_id is not null;

create table price_list_items (
    price_list_id bigint not null references price_lists (id) on delete cascade,
    product_id bigint not null references products (id),
    price numeric(12, 2) not null check (price > 0),
    primary key (price_list_id, product_id)
);

-- Must-stock (must-have) assortment per channel and account class.
create table must_stock (
    channel text not null check (channel in ('horeca', 'retail', 'other')),
    account_class text not null check (account_class in ('A', 'B', 'C')),
    product_id bigint not null references products (id) on delete cascade,
    primary key (channel, account_class, product_id)
);

-- Orders: the key is the phone's UUID (offline first). `order_day` is the local day the rep took the
-- order (device clock, rep's time zone): prices and every figure use it, never the day it arrived.
-- `territory_id` is the account's territory when the order was taken.
create table orders (
    id uuid primary key,
    account_id bigint not null references accounts (id),
    rep_id bigint not null references users (id),
    visit_id uuid references visits (id) on delete set null,
    territory_id bigint references territories (id) on delete set null,
    status text not null check (status in ('draft', 'submitted', 'confirmed', 'delivered', 'cancelled')),
    ordered_at timestamptz not null,
    order_day date not null,
    delivery_day date,
    comment text check (length(comment) <= 2000),
    total_amount numeric(14, 2) not null check (total_amount >= 0),
    total_units numeric(14, 3) not null check (total_units >= 0),
    line_count integer not null check (line_count > 0),
    -- the root categories on the order, one bit each (product_categories.bit_index)
    category_mask bigint not null default 0,
    received_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index orders_account_day_idx on orders (account_id, order_day);
create index orders_rep_day_idx on orders (rep_id, order_day);
create index orders_territory_day_idx on orders (territory_id, order_day);
create index orders_day_idx on orders (order_day);
create index orders_status_idx on orders (status, received_at);

-- Lines carry copies of the order's day, status, account, rep, territory and the product's root
-- category, so the commercial reports read lines alone through one index (the order's status is
-- copied on every status change, in the same statement's transaction).
create table order_lines (
    order_id uuid not null references orders (id) on delete cascade,
    line_no smallint not null check (line_no >= 0),
    product_id bigint not null references products (id),
    price_list_id bigint not null references price_lists (id),
    quantity numeric(12, 3) not null check (quantity > 0),
    list_price numeric(12, 2) not null check (list_price > 0),
    discount_pct numeric(5, 2) not null default 0 check (discount_pct >= 0 and discount_pct < 100),
    amount numeric(14, 2) not null check (amount >= 0),
    order_day date not null,
    status text not null,
    account_id bigint not null,
    rep_id bigint not null,
    territory_id bigint,
    category_id bigint not null,
    primary key (order_id, line_no)
);
create index order_lines_territory_day_idx on order_lines (territory_id, order_day)
    include (status, amount, quantity, category_id, account_id, rep_id);
create index order_lines_rep_day_idx on order_lines (rep_id, order_day)
    include (status, amount, quantity, category_id, account_id, territory_id);
create index order_lines_day_idx on order_lines (order_day)
    include (status, amount, quantity, category_id, account_id, rep_id, territory_id);
create index order_lines_account_product_idx on order_lines (account_id, product_id, order_day);

-- Monthly roll-up of order lines per rep x territory (0: none) x root category x status, kept by a
-- trigger in the same transaction as the lines (insert, status change, delete), so money and unit
-- figures over a year read thousands of rows instead of every line.
create table order_month_facts (
    month date not null check (extract(day from month) = 1),
    rep_id bigint not null,
    territory_id bigint not null,
    category_id bigint not null,
    status text not null,
    lines integer not null,
    amount numeric(16, 2) not null,
    units numeric(16, 3) not null,
    primary key (month, rep_id, territory_id, category_id, status)
);
create index order_month_facts_rep_idx on order_month_facts (rep_id, month);
create index order_month_facts_territory_idx on order_month_facts (territory_id, month);

create function order_lines_rollup() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        update order_month_facts
        set lines = lines - 1, amount = amount - old.amount, units = units - old.quantity
        where month = date_trunc('month', old.order_day)::date and rep_id = old.rep_id
          and territory_id = coalesce(old.territory_id, 0) and category_id = old.category_id
          and status = old.status;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        insert into order_month_facts as f (month, rep_id, territory_id, category_id, status, lines, amount, units)
        values (date_trunc('month', new.order_day)::date, new.rep_id, coalesce(new.territory_id, 0), new.category_id,
                new.status, 1, new.amount, new.quantity)
        on conflict (month, rep_id, territory_id, category_id, status) do update
        set lines = f.lines + 1, amount = f.amount + excluded.amount, units = f.units + excluded.units;
    end if;
    return null;
end
$$;
create trigger order_lines_rollup after insert or delete or update of status on order_lines
for each row execute function order_lines_rollup();

create table order_status_changes (
    id bigint generated always as identity primary key,
    order_id uuid not null references orders (id) on delete cascade,
    from_status text,
    to_status text not null,
    changed_by bigint references users (id) on delete set null,
    changed_at timestamptz not null default now(),
    note text check (length(note) <= 2000)
);
create index order_status_changes_order_idx on order_status_changes (order_id, id);

-- The webhook outbox: one row per event, delivered by the worker with retries; kept 30 days after
-- delivery (purged by `purge_delivered_webhooks`).
create table order_webhooks (
    id bigint generated always as identity primary key,
    order_id uuid not null references orders (id) on delete cascade,
    event text not null,
    payload jsonb not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    delivered_at timestamptz,
    failed_at timestamptz,
    last_error text,
    created_at timestamptz not null default now()
);
create index order_webhooks_due_idx on order_webhooks (next_attempt_at)
    where delivered_at is null and failed_at is null;

-- Sales plans carry units as well as money (plans come through the API and the file import).
alter table sales_monthly add column plan_units numeric(14, 3) check (plan_units >= 0);
alter table sales_monthly add column actual_units numeric(14, 3) check (actual_units >= 0);

-- The active base (AKB): accounts with at least one order taken on a day in [p_from, p_to] that is
-- submitted, confirmed or delivered (drafts and cancelled orders do not make an account active).
create or replace function active_account_ids(p_from date, p_to date) returns setof bigint
language sql stable parallel safe as $$
    select distinct o.account_id from orders o
    where o.order_day between p_from and p_to
      and o.status in ('submitted', 'confirmed', 'delivered')
$$;
