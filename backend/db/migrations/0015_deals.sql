-- Deals (issue 17): a deal's hand-overs are read with the deal (its page, the previous owner's read
-- access), so they are found by deal.
create index handovers_deal_idx on handovers (deal_id) where deal_id is not null;
