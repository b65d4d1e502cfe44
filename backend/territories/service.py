"""Territories: the caller's list, boundary changes (GeoJSON) and file imports, coverage figures.

Accounts follow boundaries by the database trigger of migration 0001 (replaced in 0003 to keep
manual assignments of accounts outside every territory): a changed polygon re-derives every
account's territory, so the reps' account lists follow at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec
import shapely

from backend.auth.principal import Principal, Role
from backend.errors import Forbidden, InvalidInput, NotFound
from backend.territories import repository
from backend.territories.schemas import (
    ChannelCoverage,
    Coverage,
    CoverageCounts,
    GeometryIssue,
    Territory,
    TerritoryChange,
    TerritoryImportReport,
    TerritoryUpdate,
)
from geo_data.geometry_guard import GeometryTooComplex, check_validity_isolated
from geo_data.territory_files import (
    TerritoryFile,
    TerritoryProblem,
    check_polygon,
    geometry_from_geojson,
    layout_problems,
)


async def list_territories(conn: asyncpg.Connection, principal: Principal) -> list[Territory]:
    return await repository.list_visible(conn, principal.role.value, principal.user_id)


async def get_territory(conn: asyncpg.Connection, principal: Principal, territory_id: int) -> Territory:
    for territory in await repository.list_visible(conn, principal.role.value, principal.user_id):
        if territory.id == territory_id:
            return territory
    raise NotFound(f"territory {territory_id} not found", field="territory_id")


def _problem(p: TerritoryProblem) -> GeometryIssue:
    return GeometryIssue(kind=p.kind, codes=p.codes, detail=p.detail, area_m2=p.area_m2, location=p.location)


async def _check_reps(conn: asyncpg.Connection, ids: dict[str, int | None]) -> None:
    wanted = [i for i in ids.values() if i is not None]
    roles = await repository.user_roles(conn, wanted)
    for field, user_id in ids.items():
        if user_id is not None and roles.get(user_id) != "rep":
            raise InvalidInput(f"user {user_id} is not a rep", field=field)


class GeometryLimits(msgspec.Struct, frozen=True):
    """What a boundary may cost before any row is locked: its vertices, and the time and memory its
    validity check and repair may take (a self-intersecting ring of 200k vertices took 40 minutes)."""

    max_vertices: int = 20_000
    check_timeout_s: float = 5.0
    check_memory_bytes: int = 512 * 1024 * 1024


async def _checked_shape(geojson: dict[str, Any], code: str, limits: GeometryLimits) -> tuple[Any, list[GeometryIssue]]:
    """The boundary parsed, counted and checked (repaired when invalid) in a bounded child process."""
    try:
        shape = geometry_from_geojson(geojson)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="geometry") from exc
    vertices = int(shapely.get_num_coordinates(shape))
    if vertices > limits.max_vertices:
        raise InvalidInput(
            f"the boundary has {vertices:,} vertices; the limit is {limits.max_vertices:,} (simplify it)",
            field="geometry",
        )
    if shape.is_empty:
        return shape, []
    try:
        checked = await asyncio.to_thread(
            check_validity_isolated,
            shapely.to_wkb(shape),
            timeout_s=limits.check_timeout_s,
            memory_bytes=limits.check_memory_bytes,
        )
    except GeometryTooComplex as exc:
        raise InvalidInput(
            f"the boundary is too complex to check ({exc}): a ring that crosses itself many times? "
            "Send a valid polygon",
            field="geometry",
        ) from exc
    if checked.valid or checked.repaired_wkb is None:
        return shape, []
    fixed = shapely.from_wkb(checked.repaired_wkb)
    detail = f"invalid polygon ({checked.reason}) repaired"
    return fixed, [GeometryIssue(kind="repaired", codes=[code], detail=detail, area_m2=None, location=None)]


async def update_territory(
    conn: asyncpg.Connection,
    principal: Principal,
    territory_id: int,
    change: TerritoryUpdate,
    limits: GeometryLimits | None = None,
) -> TerritoryChange:
    """Admin: a new boundary (repaired if invalid; refused if nothing polygonal), name or reps. The
    boundary is counted and checked before the territory's row is locked."""
    if principal.role != Role.ADMIN:
        raise Forbidden("changing a territory needs the role admin")
    code = await repository.territory_code(conn, territory_id)
    if code is None:
        raise NotFound(f"territory {territory_id} not found", field="territory_id")
    problems: list[GeometryIssue] = []
    checked: Any = None
    if not isinstance(change.geometry, msgspec.UnsetType):
        checked, repairs = await _checked_shape(change.geometry, code, limits or GeometryLimits())
        problems.extend(repairs)
    current = await repository.get_for_update(conn, territory_id)
    if current is None:
        raise NotFound(f"territory {territory_id} not found", field="territory_id")
    wkt: str | None = None
    if checked is not None:
        geometry, found = check_polygon(checked, current.code)
        rejected = [p for p in found if p.kind == "rejected"]
        if geometry is None or rejected:
            raise InvalidInput(rejected[0].detail if rejected else "no usable polygon", field="geometry")
        minx, miny, maxx, maxy = geometry.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InvalidInput("coordinates must be EPSG:4326 longitude, latitude", field="geometry")
        problems.extend(_problem(p) for p in found)
        stored = await repository.other_geometries(conn, territory_id)
        others = [(code, shapely.from_wkb(wkb)) for _, code, wkb in stored]
        layout = layout_problems([(current.code, geometry), *others])
        problems.extend(_problem(p) for p in layout if current.code in p.codes)
        wkt = shapely.to_wkt(geometry, rounding_precision=-1)
    name = current.name if isinstance(change.name, msgspec.UnsetType) else change.name.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    owner = current.owner_rep_id if isinstance(change.owner_rep_id, msgspec.UnsetType) else change.owner_rep_id
    backup = current.backup_rep_id if isinstance(change.backup_rep_id, msgspec.UnsetType) else change.backup_rep_id
    await _check_reps(conn, {"owner_rep_id": owner, "backup_rep_id": backup})
    before = await repository.account_territories(conn, territory_id, None, wkt)
    await repository.update_territory(conn, territory_id, wkt, name, owner, backup)
    after = await repository.territory_of_accounts(conn, list(before))
    moved_in = sorted(i for i, t in after.items() if t == territory_id and before.get(i) != territory_id)
    moved_out = sorted(i for i, t in after.items() if t != territory_id and before.get(i) == territory_id)
    territory = await get_territory(conn, principal, territory_id)
    return TerritoryChange(
        territory=territory,
        problems=problems,
        accounts_moved_in=moved_in,
        accounts_moved_out=moved_out,
        unassigned_accounts=await repository.count_unassigned(conn),
    )


async def import_territories(conn: asyncpg.Connection, parsed: TerritoryFile) -> TerritoryImportReport:
    """Create or update territories by code from a read file; reps by email."""
    problems = [_problem(p) for p in parsed.problems]
    emails = sorted({e for s in parsed.territories for e in (s.owner_email, s.backup_email) if e})
    users = await repository.users_by_email(conn, emails)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for shape in parsed.territories:
        rep_ids: list[int | None] = []
        for email in (shape.owner_email, shape.backup_email):
            found = users.get(email) if email else None
            if email and (found is None or found[1] != "rep"):
                detail = f"{email} is not a rep; the territory keeps its rep"
                problems.append(GeometryIssue("unknown_rep", [shape.code], detail))
                found = None
            rep_ids.append(found[0] if found else None)
        result = await repository.upsert_territory(
            conn,
            shape.code,
            shape.name,
            shape.region,
            shapely.to_wkt(shape.geometry, rounding_precision=-1),
            rep_ids[0],
            rep_ids[1],
        )
        (unchanged if result is None else created if result else updated).append(shape.code)
    unassigned = await repository.count_unassigned(conn)
    counts: dict[str, int] = {}
    for p in problems:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    summary = (
        f"{parsed.file_name}: {len(created)} created, {len(updated)} updated, {len(unchanged)} unchanged; "
        + (", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no problems")
        + f"; {unassigned} located account(s) outside every territory"
    )
    return TerritoryImportReport(
        file=parsed.file_name,
        source_crs=parsed.source_crs,
        created=created,
        updated=updated,
        unchanged=unchanged,
        problems=problems,
        unassigned_accounts=unassigned,
        summary=summary,
    )


CYCLE_DAYS = 28  # visit frequencies are per 4 weeks
MAX_COVERAGE_DAYS = 400


def potential_per_active(potential: int, active: int) -> float | None:
    return None if active == 0 else round(potential / active, 3)


def _coverage(
    key: tuple[int | None, str | None, str | None, int | None],
    rows: Sequence[CoverageCounts],
    first: dt.date,
    last: dt.date,
) -> Coverage:
    channels = [
        ChannelCoverage(
            **{field: getattr(r, field) for field in CoverageCounts.__struct_fields__},
            potential_per_active=potential_per_active(r.potential, r.active),
        )
        for r in rows
        if r.channel is not None
    ]
    total = {
        k: sum(getattr(c, k) for c in channels)
        for k in ("total", "potential", "active", "closed", "needs_geocoding", "visited")
    }
    return Coverage(
        territory_id=key[0],
        code=key[1],
        name=key[2],
        owner_rep_id=key[3],
        from_day=first,
        to_day=last,
        total=total["total"],
        potential=total["potential"],
        active=total["active"],
        closed=total["closed"],
        needs_geocoding=total["needs_geocoding"],
        potential_per_active=potential_per_active(total["potential"], total["active"]),
        visited=total["visited"],
        by_channel=channels,
    )


async def coverage(
    conn: asyncpg.Connection, principal: Principal, territory_id: int | None, first: dt.date, last: dt.date
) -> list[Coverage]:
    """Per territory in scope (or one) over [first, last]; for supervisors and admins asking for all, a
    last entry with territory_id None for the accounts outside every territory."""
    if last < first:
        raise InvalidInput("`to` is before `from`", field="to")
    if (last - first).days > MAX_COVERAGE_DAYS:
        raise InvalidInput(f"a period covers at most {MAX_COVERAGE_DAYS} days", field="from")
    visible = [t.id for t in await repository.list_visible(conn, principal.role.value, principal.user_id)]
    if territory_id is not None:
        if territory_id not in visible:
            raise NotFound(f"territory {territory_id} not found", field="territory_id")
        visible = [territory_id]
    grouped: dict[tuple[int | None, str | None, str | None, int | None], list[CoverageCounts]] = {}
    for row in await repository.coverage_rows(conn, visible, first, last):
        grouped.setdefault((row.territory_id, row.code, row.name, row.owner_rep_id), []).append(row)
    result = [_coverage(key, rows, first, last) for key, rows in grouped.items()]
    if territory_id is None and principal.role != Role.REP:
        unassigned = await repository.coverage_unassigned(conn, first, last)
        result.append(_coverage((None, None, None, None), unassigned, first, last))
    return result


async def assign_owner(conn: asyncpg.Connection, code: str, rep_id: int) -> int:
    """Make `rep_id` the owner of the territory `code` (the CLI's `users create --territory`)."""
    territory_id = await repository.assign_owner(conn, code.strip(), rep_id)
    if territory_id is None:
        raise InvalidInput(f"no territory with code {code!r}", field="territory")
    return territory_id
