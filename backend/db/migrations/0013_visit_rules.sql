-- Visit rules a supervisor relies on (issue 16): a check-out with a required checklist unanswered is
-- flagged; photos that cannot show a shelf (too small, too dark, too uniform) are flagged.
alter table visits drop constraint visits_flags_known;
alter table visits add constraint visits_flags_known check (flags <@ array[
    'out_of_range', 'low_accuracy', 'mock_location', 'impossible_speed', 'clock_skew',
    'not_on_route', 'too_short', 'checkout_out_of_range', 'checkout_low_accuracy',
    'checkout_mock_location', 'checklist_missing']::text[]);

alter table visit_photos drop constraint visit_photos_flags_known;
alter table visit_photos add constraint visit_photos_flags_known check (flags <@ array[
    'taken_before_visit', 'far_from_outlet', 'reused', 'too_small', 'too_dark', 'too_uniform']::text[]);

-- The retry rule looks up the rep's open visit at an account by device time.
create index visits_rep_account_open_idx on visits (rep_id, account_id, checked_in_at) where checked_out_at is null;
