-- Sales plan vs fact: monthly plans and actuals per rep x product category x region, imported from
-- CSV/XLSX files (`fieldsales import sales`). A later file's value for the same key replaces the
-- earlier one; an empty cell keeps what is stored.

create table sales_monthly (
    rep_id bigint not null references users (id) on delete cascade,
    category text not null check (length(trim(category)) > 0),
    region text not null check (length(trim(region)) > 0),
    -- the first day of the month
    month date not null check (extract(day from month) = 1),
    plan_amount numeric(16, 2) check (plan_amount >= 0),
    actual_amount numeric(16, 2) check (actual_amount >= 0),
    source_file text,
    imported_at timestamptz not null default now(),
    primary key (rep_id, category, region, month)
);
create index sales_monthly_month_idx on sales_monthly (month, category);
