-- The pipeline figures (issue 17, docs/architecture.md, "Pipeline figures"): the cohort rule, a deal's stays in its
-- stages and a person's working days, once, so the funnel, per-source and per-role queries
-- (backend/pipeline_reports/queries.sql) count through the same definitions.

-- The cohort rule of every funnel figure: the deals created on a local day (time zone p_time_zone)
-- in [p_from, p_to], of pipeline p_pipeline_id (null: every pipeline), with their milestones read
-- from deal_stage_changes alone (the creation is the change from no stage). `furthest_position` is
-- the position of the furthest stage the deal entered that is not a lost stage: the deal "reached"
-- every stage at or before it, and "moved on" from every stage before it. `won_at` is its first
-- entry into a won stage. Scope is applied by the caller's query (accounts or people).
create function deal_cohort(p_pipeline_id bigint, p_from date, p_to date, p_time_zone text)
returns table (deal_id uuid, pipeline_id bigint, account_id bigint, source text, owner_id bigint,
               created_by bigint, created_at timestamptz, furthest_position integer,
               qualified_position integer, key_position integer, won_at timestamptz)
language sql stable as $$
    select d.id, d.pipeline_id, d.account_id, d.source, d.owner_id, d.created_by,
           min(c.changed_at),
           max(s.position) filter (where s.outcome <> 'lost'),
           (select q.position from pipeline_stages q where q.pipeline_id = d.pipeline_id and q.is_qualified),
           (select k.position from pipeline_stages k where k.pipeline_id = d.pipeline_id and k.is_key),
           min(c.changed_at) filter (where s.outcome = 'won')
    from deals d
    join deal_stage_changes c on c.deal_id = d.id
    join pipeline_stages s on s.id = c.to_stage_id
    where (p_pipeline_id is null or d.pipeline_id = p_pipeline_id)
      -- a day's wide bound first (the index), then the local day exactly
      and d.created_at >= (p_from - 1)::timestamp at time zone 'UTC'
      and d.created_at < (p_to + 2)::timestamp at time zone 'UTC'
      and (d.created_at at time zone p_time_zone)::date between p_from and p_to
    group by d.id
$$;

-- A deal's stays: each stage change opens a stay in its `to` stage that ends at the deal's next
-- change (left_at null: the deal is still there, or the stage is terminal).
create function deal_stage_stays(p_deal_ids uuid[])
returns table (deal_id uuid, stage_id bigint, entered_at timestamptz, left_at timestamptz)
language sql stable as $$
    select c.deal_id, c.to_stage_id, c.changed_at,
           lead(c.changed_at) over (partition by c.deal_id order by c.changed_at, c.id)
    from deal_stage_changes c
    where c.deal_id = any(p_deal_ids)
$$;

-- A person's working days in [p_from, p_to]: the days of their working weekdays (reps.working_days,
-- Monday to Friday for people without a rep profile), less the holidays of everyone (region null)
-- and the days of their absences.
create function person_working_days(p_user_id bigint, p_from date, p_to date) returns integer
language sql stable as $$
    select count(*)::int
    from generate_series(p_from, p_to, interval '1 day') as g(day)
    where extract(isodow from g.day)::smallint = any(
              coalesce((select r.working_days from reps r where r.user_id = p_user_id), '{1,2,3,4,5}'::smallint[]))
      and not exists (select 1 from holidays h where h.day = g.day::date and h.region is null)
      and not exists (select 1 from rep_absences a
                      where a.rep_id = p_user_id and g.day::date between a.first_day and a.last_day)
$$;
