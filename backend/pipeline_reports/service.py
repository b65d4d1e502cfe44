"""The pipeline figures: funnel, sources, per-role figures, leaderboard and the territories' potential
/ active ratio (definitions: docs/architecture.md ("Pipeline figures") and `rules`).

Rules:
- One cohort for every deal figure: the deals created on a local day (planning time zone) of the
  period, followed to today through their stage changes (migration 0019, `deal_cohort`).
- Scope: deal figures (funnel, sources) count deals on the accounts the caller sees
  (`visible_account_ids`); people figures (roles, leaderboard, one person) take the people the caller
  sees (`visible_rep_ids`: a rep themselves, a supervisor their team, an admin everyone).
- A person's leads are the deals they created; their deals the deals they own; a manager's book the
  accounts they manage now (`accounts.account_manager_id`).
- Money figures count fact orders (`FIELDSALES_SALES_FACT_FROM`, as the commercial figures);
  activity (retention, churn) is `active_account_ids`.
- Errors: `to` before `from` or a period longer than FIELDSALES_REPORT_MAX_DAYS -> 422 naming the
  field; an unknown pipeline -> 404 (field pipeline_id); a person the caller does not see -> 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.deals.schemas import SalesRole
from backend.errors import InvalidInput, NotFound
from backend.orders.rules import fact_statuses
from backend.pipeline_reports import repository, rules
from backend.pipeline_reports.schemas import (
    Breakdown,
    CohortCounts,
    FunnelReport,
    FunnelRow,
    LeaderboardReport,
    Person,
    PersonFigures,
    PersonReport,
    PipelineRef,
    RoleReport,
    SourceCostsReport,
    SourceCostsRequest,
    SourceCostsStored,
    SourceRow,
    SourcesReport,
    TerritoryRatioReport,
    TerritoryRatioRow,
)
from backend.sales import rules as commercial
from backend.sales import service as sales
from backend.territories import service as territories

SOURCES = ("field", "web_form", "telemarketing", "import", "licence_register")
MAX_COST = 1e12
MAX_COST_MONTHS = 120


def check_period(first: dt.date, last: dt.date, max_days: int) -> None:
    if last < first:
        raise InvalidInput("`to` is before `from`", field="to")
    if (last - first).days + 1 > max_days:
        raise InvalidInput(f"a period covers at most {max_days} days", field="from")


async def _pipeline(conn: asyncpg.Connection, pipeline_id: int | None) -> PipelineRef:
    found = await repository.pipeline(conn, pipeline_id)
    if found is None:
        detail = "no active pipeline" if pipeline_id is None else f"pipeline {pipeline_id} not found"
        raise NotFound(detail, field="pipeline_id")
    return found


async def funnel(
    conn: asyncpg.Connection,
    principal: Principal,
    pipeline_id: int | None,
    first: dt.date,
    last: dt.date,
    *,
    time_zone: str,
    max_days: int,
) -> FunnelReport:
    """The stages of the pipeline (default: the first active one) in order, then the pipeline row."""
    check_period(first, last, max_days)
    await repository.report_settings(conn)
    found = await _pipeline(conn, pipeline_id)
    scope = (principal.role.value, principal.user_id)
    stages = await repository.funnel_stages(conn, *scope, found.id, first, last, time_zone)
    totals = (await repository.cohort_totals(conn, *scope, found.id, first, last, time_zone))[-1]
    rows = [
        FunnelRow(
            row="stage",
            position=s.position,
            stage_code=s.code,
            stage_name=s.name,
            outcome=s.outcome,
            is_key=s.is_key,
            is_qualified=s.is_qualified,
            entered=s.entered,
            moved_on=s.moved_on,
            conversion_pct=rules.pct(s.moved_on, s.entered) if s.outcome == "open" else None,
            median_days=rules.days(s.median_days),
            p80_days=rules.days(s.p80_days),
        )
        for s in stages
    ]
    # A pipeline without a key (qualified) stage has no key (cv1, cv2) figures, rather than zeros.
    key = next((r for r in rows if r.is_key), None)
    has_qualified = any(r.is_qualified for r in rows)
    total = FunnelRow(
        row="pipeline",
        leads=totals.leads,
        qualified=totals.qualified,
        reached_key=totals.reached_key,
        won=totals.won,
        cv1_pct=rules.pct(totals.qualified, totals.leads) if has_qualified else None,
        cv2_pct=rules.pct(totals.won_qualified, totals.qualified) if has_qualified else None,
        key_reached_pct=None if key is None else rules.pct(totals.reached_key, totals.leads),
        key_conversion_pct=None if key is None else key.conversion_pct,
        cycle_median_days=rules.days(totals.cycle_median_days),
        cycle_p80_days=rules.days(totals.cycle_p80_days),
    )
    return FunnelReport(
        pipeline_id=found.id,
        pipeline_code=found.code,
        pipeline_name=found.name,
        from_day=first,
        to_day=last,
        rows=rows,
        total=total,
    )


def _source_row(source: str, counts: CohortCounts | None, cost: float) -> SourceRow:
    leads = 0 if counts is None else counts.leads
    reached_key = 0 if counts is None else counts.reached_key
    won = 0 if counts is None else counts.won
    return SourceRow(
        source=source,
        leads=leads,
        reached_key=reached_key,
        won=won,
        cost=round(cost, 2),
        cost_per_lead=rules.money(cost, leads),
        cost_per_won_deal=rules.money(cost, won),
        quality_pct=rules.pct(reached_key, leads),
    )


async def sources(
    conn: asyncpg.Connection,
    principal: Principal,
    pipeline_id: int | None,
    first: dt.date,
    last: dt.date,
    *,
    time_zone: str,
    max_days: int,
) -> SourcesReport:
    """Every source (those without leads or cost too), then the total."""
    check_period(first, last, max_days)
    await repository.report_settings(conn)
    if pipeline_id is not None:
        await _pipeline(conn, pipeline_id)
    counted = await repository.cohort_totals(
        conn, principal.role.value, principal.user_id, pipeline_id, first, last, time_zone
    )
    per_source = {c.source: c for c in counted if c.source is not None}
    all_leads = await repository.all_leads_per_source(conn, first, last, time_zone)
    costs = await repository.source_costs(conn, first, last)
    rows = []
    for source in SOURCES:
        counts = per_source.get(source)
        # The source's cost shared out over all its leads; with no lead at all, the whole cost.
        whole = costs.get(source, 0.0)
        everyone = all_leads.get(source, 0)
        cost = whole if everyone == 0 else whole * (0 if counts is None else counts.leads) / everyone
        rows.append(_source_row(source, counts, cost))
    total = SourceRow(
        source="total",
        leads=sum(r.leads for r in rows),
        reached_key=sum(r.reached_key for r in rows),
        won=sum(r.won for r in rows),
        cost=round(sum(r.cost for r in rows), 2),
        cost_per_lead=rules.money(sum(r.cost for r in rows), sum(r.leads for r in rows)),
        cost_per_won_deal=rules.money(sum(r.cost for r in rows), sum(r.won for r in rows)),
        quality_pct=rules.pct(sum(r.reached_key for r in rows), sum(r.leads for r in rows)),
    )
    return SourcesReport(pipeline_id=pipeline_id, from_day=first, to_day=last, rows=rows, total=total)


async def _figures(
    conn: asyncpg.Connection,
    people: Sequence[Person],
    first: dt.date,
    last: dt.date,
    week_start: dt.date | None,
    *,
    time_zone: str,
    statuses: list[str],
) -> list[PersonFigures]:
    """Each person's figures of their role over [first, last]."""
    ids = [p.user_id for p in people]
    by_role = {role: [p.user_id for p in people if p.sales_role == role] for role in rules.ROLE_FIGURES}
    deals = await repository.person_deal_figures(conn, first, last, time_zone, ids)
    calls = await repository.person_calls(conn, first, last, time_zone, by_role["telemarketer"])
    won_orders = await repository.won_account_orders(conn, first, last, time_zone, by_role["closer"], statuses)
    managers = by_role["farmer"] + by_role["key_account_manager"]
    previous = commercial.previous_period(first, last)
    books = await repository.manager_figures(conn, managers, (first, last), previous, statuses)
    out = []
    for person in people:
        figures: dict[str, object] = {}
        d = deals[person.user_id]
        role = person.sales_role
        if role in ("hunter", "telemarketer"):
            figures.update(
                leads_created=d.leads_created,
                leads_qualified=d.leads_qualified,
                cv1_pct=rules.pct(d.leads_qualified, d.leads_created),
                leads_per_week=rules.per_week(d.leads_created, first, last),
            )
        if role == "telemarketer":
            c = calls[person.user_id]
            figures.update(
                calls=c.calls,
                working_days=c.working_days,
                calls_per_working_day=commercial.share(c.calls, c.working_days, digits=2),
            )
        if role == "closer":
            orders = won_orders.get(person.user_id)
            figures.update(
                deals_owned=d.deals_owned,
                deals_qualified=d.deals_qualified,
                deals_won=d.deals_won,
                cv2_pct=rules.pct(d.won_qualified, d.deals_qualified),
                won_account_orders=0 if orders is None else orders.orders,
                average_check=None if orders is None else commercial.average_check(orders.amount, orders.orders),
                cycle_median_days=rules.days(d.cycle_median_days),
                cycle_p80_days=rules.days(d.cycle_p80_days),
            )
        if role in ("farmer", "key_account_manager"):
            book = books.get(person.user_id)
            if book is None:
                figures.update(accounts=0, active_previous=0, active_now=0, retained=0, churned=0)
            else:
                growth = book.retained_now_amount - book.retained_previous_amount
                figures.update(
                    accounts=book.accounts,
                    active_previous=book.active_previous,
                    active_now=book.active_now,
                    retained=book.retained,
                    churned=book.churned,
                    retention_pct=rules.pct(book.retained, book.active_previous),
                    churn_pct=commercial.churn_pct(book.churned, book.active_previous),
                    ltv_to_date=rules.money(book.ltv_total, book.customers),
                    upsell_per_account=rules.money(growth, book.retained),
                    upsell_pct=rules.pct(growth, book.retained_previous_amount),
                    new_categories_per_account=commercial.breadth(book.new_categories, book.active_now),
                )
        out.append(
            PersonFigures(
                user_id=person.user_id,
                name=person.name,
                sales_role=role,
                from_day=first,
                to_day=last,
                week_start=week_start,
                **figures,  # type: ignore[arg-type]
            )
        )
    return out


async def _breakdown(
    conn: asyncpg.Connection,
    people: Sequence[Person],
    first: dt.date,
    last: dt.date,
    by: Breakdown,
    *,
    time_zone: str,
    fact_from: str,
) -> list[PersonFigures]:
    statuses = fact_statuses(fact_from)
    await repository.report_settings(conn)
    if by is Breakdown.PERIOD:
        return await _figures(conn, people, first, last, None, time_zone=time_zone, statuses=statuses)
    rows: list[PersonFigures] = []
    for start, end in rules.weeks(first, last):
        week = await _figures(conn, people, start, end, start, time_zone=time_zone, statuses=statuses)
        rows.extend(week)
    return sorted(rows, key=lambda r: (r.name, r.user_id, r.week_start or first))


async def role_report(
    conn: asyncpg.Connection,
    principal: Principal,
    sales_role: SalesRole,
    first: dt.date,
    last: dt.date,
    by: Breakdown,
    *,
    time_zone: str,
    fact_from: str,
    max_days: int,
) -> RoleReport:
    """The people of the caller's scope with this sales role, one row each (or per week)."""
    check_period(first, last, max_days)
    people = await repository.people_in_scope(conn, principal.role.value, principal.user_id, sales_role.value)
    rows = await _breakdown(conn, people, first, last, by, time_zone=time_zone, fact_from=fact_from)
    return RoleReport(
        sales_role=sales_role.value,
        from_day=first,
        to_day=last,
        by=by.value,
        columns=rules.ROLE_FIGURES[sales_role.value],
        rows=rows,
    )


async def person_report(
    conn: asyncpg.Connection,
    principal: Principal,
    person_id: int,
    first: dt.date,
    last: dt.date,
    by: Breakdown,
    *,
    time_zone: str,
    fact_from: str,
    max_days: int,
) -> PersonReport:
    """One person the caller sees (else 404): the figures of their sales role (none without one)."""
    check_period(first, last, max_days)
    person = await repository.person_in_scope(conn, principal.role.value, principal.user_id, person_id)
    if person is None:
        raise NotFound(f"user {person_id} not found", field="user_id")
    rows = await _breakdown(conn, [person], first, last, by, time_zone=time_zone, fact_from=fact_from)
    return PersonReport(user_id=person_id, from_day=first, to_day=last, by=by.value, rows=rows)


async def leaderboard(
    conn: asyncpg.Connection,
    principal: Principal,
    first: dt.date,
    last: dt.date,
    *,
    time_zone: str,
    fact_from: str,
    max_days: int,
) -> LeaderboardReport:
    """Per role (in the order of `rules.MAIN_FIGURE`), the people ranked by the role's main figure."""
    check_period(first, last, max_days)
    people = await repository.people_in_scope(conn, principal.role.value, principal.user_id, None)
    figures = await _breakdown(conn, people, first, last, Breakdown.PERIOD, time_zone=time_zone, fact_from=fact_from)
    rows: list[PersonFigures] = []
    for role, main in rules.MAIN_FIGURE.items():
        members = [f for f in figures if f.sales_role == role]
        values = [_number(getattr(f, main)) for f in members]
        ranks = rules.competition_ranks(values)
        ranked = sorted(zip(ranks, values, members, strict=True), key=lambda t: (t[0], t[2].name, t[2].user_id))
        for rank, value, member in ranked:
            rows.append(_with(member, rank=rank, main_figure=main, main_value=value))
    return LeaderboardReport(from_day=first, to_day=last, main_figures=dict(rules.MAIN_FIGURE), rows=rows)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _with(figures: PersonFigures, **changes: object) -> PersonFigures:
    return msgspec.structs.replace(figures, **changes)


async def territory_ratio(
    conn: asyncpg.Connection, principal: Principal, territory_id: int | None, first: dt.date, last: dt.date
) -> TerritoryRatioReport:
    """Per territory in scope (or one, else 404): coverage's potential and active base and potential /
    active, read from the territories feature (its one definition)."""
    coverage = [c for c in await territories.coverage(conn, principal, territory_id, first, last) if c.territory_id]
    rows = [
        TerritoryRatioRow(
            territory_id=c.territory_id,
            code=c.code or "",
            name=c.name or "",
            potential=c.potential,
            active=c.active,
            potential_per_active=c.potential_per_active,
        )
        for c in coverage
    ]
    potential, active = sum(r.potential for r in rows), sum(r.active for r in rows)
    total = TerritoryRatioRow(
        territory_id=None,
        code="total",
        name="every territory listed",
        potential=potential,
        active=active,
        potential_per_active=territories.potential_per_active(potential, active),
    )
    return TerritoryRatioReport(from_day=first, to_day=last, rows=rows, total=total)


def _month(text: str, field: str) -> dt.date:
    try:
        return sales.parse_month(text)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a month as YYYY-MM", field=field) from exc


async def save_source_costs(
    conn: asyncpg.Connection, principal: Principal, request: SourceCostsRequest
) -> SourceCostsStored:
    """Store what each source cost per month (the whole request or nothing: every item is checked
    before the first is written); a later entry of the same source and month replaces it."""
    parsed: list[tuple[str, dt.date, float]] = []
    for index, item in enumerate(request.items):
        where = f"items[{index}]"
        if item.source not in SOURCES:
            raise InvalidInput(f"source must be one of {', '.join(SOURCES)}", field=f"{where}.source")
        month = _month(item.month, f"{where}.month")
        if not 0 <= item.amount <= MAX_COST:
            raise InvalidInput(f"amount must be between 0 and {MAX_COST:.0f}", field=f"{where}.amount")
        parsed.append((item.source, month, round(item.amount, 2)))
    for source, month, amount in parsed:
        await repository.upsert_source_cost(conn, source, month, amount, principal.user_id)
    return SourceCostsStored(stored=len(parsed))


async def source_costs(conn: asyncpg.Connection, from_text: str, to_text: str | None) -> SourceCostsReport:
    """The monthly costs of the months [from, to] (to: default from)."""
    first = _month(from_text, "from")
    last = first if to_text is None else _month(to_text, "to")
    if last < first:
        raise InvalidInput("`to` is before `from`", field="to")
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_COST_MONTHS:
        raise InvalidInput(f"at most {MAX_COST_MONTHS} months", field="from")
    rows = await repository.source_costs_between(conn, first, last)
    return SourceCostsReport(from_month=first, to_month=last, rows=rows)
