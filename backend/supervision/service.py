"""The supervisor's map as GeoJSON (RFC 7946: [lon, lat]), scoped to the caller's team.

- routes: per rep, the published route of the day as a LineString: along the roads (``line``:
  "roads") when a road engine drew it at planning time, else straight legs home -> stops -> home
  (``line``: "straight"); and each stop as a Point numbered 1..n in route order (``visited``: the rep
  checked in there that day);
- visits: each check-in as a Point at the reported position, ``verdict`` "flagged" when any
  verification flag is set, else "ok", with times, distance to the outlet, flags, checklist answers
  and scores, and photo ids (thumbnails at /api/v1/photos/{id}/thumbnail, scoped the same way);
- due: accounts due that day (route stops, and visits the planner left off the route) without a
  check-in by the rep that day, with the cause (not_visited, closed, dropped_by_planner);
- territories: the outlines of the team's territories;
- basemap: the demo city's streets from the OSM extract (no network needed; © OpenStreetMap
  contributors, ODbL), built once per process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import defaultdict
from typing import Any

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.errors import NotFound
from backend.scope.service import rep_is_visible
from backend.supervision import repository
from backend.supervision.schemas import Feature, FeatureCollection, StopRow, TeamReps

_basemap_lock = threading.Lock()
_basemap: bytes | None = None


async def _check_rep(conn: asyncpg.Connection, principal: Principal, rep_id: int | None) -> None:
    if rep_id is not None and not await rep_is_visible(conn, principal, rep_id):
        raise NotFound(f"rep {rep_id} not found in your team", field="rep")


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


async def team(conn: asyncpg.Connection, principal: Principal) -> TeamReps:
    return TeamReps(items=await repository.team_reps(conn, principal.role.value, principal.user_id))


def _route_features(stops: list[StopRow], road_paths: dict[int, list[list[float]]]) -> list[Feature]:
    by_route: dict[int, list[StopRow]] = defaultdict(list)
    for stop in stops:
        by_route[stop.route_id].append(stop)
    features: list[Feature] = []
    for route_id, route_stops in by_route.items():
        head = route_stops[0]
        coordinates: list[list[float]] = []
        home = None
        if head.home_lat is not None and head.home_lon is not None:
            home = [round(head.home_lon, 6), round(head.home_lat, 6)]
            coordinates.append(home)
        coordinates += [
            [round(s.lon, 6), round(s.lat, 6)] for s in route_stops if s.lat is not None and s.lon is not None
        ]
        if home is not None:
            coordinates.append(home)
        road = road_paths.get(route_id)
        features.append(
            Feature(
                id=f"route-{route_id}",
                geometry={"type": "LineString", "coordinates": road or coordinates},
                properties={
                    "kind": "route",
                    "line": "roads" if road else "straight",
                    "route_id": route_id,
                    "rep_id": head.rep_id,
                    "rep_name": head.rep_name,
                    "version": head.version,
                    "stops": len(route_stops),
                    "travel_s": head.travel_s,
                    "distance_m": head.distance_m,
                    "start_s": head.route_start_s,
                    "end_s": head.route_end_s,
                },
            )
        )
        if home is not None:
            features.append(
                Feature(
                    id=f"home-{head.rep_id}",
                    geometry={"type": "Point", "coordinates": home},
                    properties={"kind": "home", "rep_id": head.rep_id, "rep_name": head.rep_name},
                )
            )
        for number, stop in enumerate(route_stops, start=1):
            if stop.lat is None or stop.lon is None:
                continue
            window = None if stop.window_start_s is None else [stop.window_start_s, stop.window_end_s]
            features.append(
                Feature(
                    id=f"stop-{route_id}-{stop.seq}",
                    geometry=_point(stop.lat, stop.lon),
                    properties={
                        "kind": "stop",
                        "number": number,
                        "seq": stop.seq,
                        "route_id": route_id,
                        "rep_id": stop.rep_id,
                        "rep_name": stop.rep_name,
                        "account_id": stop.account_id,
                        "account_name": stop.account_name,
                        "address": stop.address,
                        "source": stop.source,
                        "eta_s": stop.arrival_s,
                        "start_s": stop.start_s,
                        "end_s": stop.end_s,
                        "window": window,
                        "visited": stop.visited,
                    },
                )
            )
    return features


async def routes_geojson(
    conn: asyncpg.Connection, principal: Principal, day: dt.date, rep_id: int | None
) -> FeatureCollection:
    await _check_rep(conn, principal, rep_id)
    stops = await repository.route_stops(conn, principal.role.value, principal.user_id, day, rep_id)
    road_paths = await repository.road_paths(conn, principal.role.value, principal.user_id, day, rep_id)
    return FeatureCollection(features=_route_features(stops, road_paths))


async def visits_geojson(
    conn: asyncpg.Connection, principal: Principal, day: dt.date, rep_id: int | None
) -> FeatureCollection:
    await _check_rep(conn, principal, rep_id)
    rows = await repository.visits(conn, principal.role.value, principal.user_id, day, rep_id)
    order: dict[int, int] = defaultdict(int)
    features = []
    for visit in rows:
        order[visit.rep_id] += 1
        scores = [item["score_pct"] for item in visit.checklists if item.get("score_pct") is not None]
        duration = (
            None if visit.checked_out_at is None else (visit.checked_out_at - visit.checked_in_at).total_seconds()
        )
        features.append(
            Feature(
                id=str(visit.id),
                geometry=_point(visit.lat, visit.lon),
                properties={
                    "kind": "visit",
                    "visit_id": str(visit.id),
                    "order": order[visit.rep_id],
                    "rep_id": visit.rep_id,
                    "rep_name": visit.rep_name,
                    "account_id": visit.account_id,
                    "account_name": visit.account_name,
                    "address": visit.address,
                    "account_location": None
                    if visit.account_lat is None or visit.account_lon is None
                    else [round(visit.account_lon, 6), round(visit.account_lat, 6)],
                    "checked_in_at": visit.checked_in_at.isoformat(),
                    "checked_out_at": None if visit.checked_out_at is None else visit.checked_out_at.isoformat(),
                    "duration_s": duration,
                    "distance_m": round(visit.distance_m, 1),
                    "accuracy_m": visit.accuracy_m,
                    "flags": visit.flags,
                    "verdict": "flagged" if visit.flags else "ok",
                    # Against the day's plan (as published at the start of the day), not the newest version.
                    "planned": visit.plan_status == "planned",
                    "plan_status": visit.plan_status,
                    "route_stop_seq": visit.route_stop_seq,
                    "reason": visit.reason,
                    "checklists": visit.checklists,
                    "score_pct": None if not scores else round(sum(scores) / len(scores), 1),
                    "photos": [
                        {
                            "id": photo["id"],
                            "item_key": photo.get("item_key"),
                            "flags": photo.get("flags", []),
                            "thumbnail_url": f"/api/v1/photos/{photo['id']}/thumbnail",
                        }
                        for photo in visit.photos
                    ],
                },
            )
        )
    return FeatureCollection(features=features)


async def due_geojson(
    conn: asyncpg.Connection, principal: Principal, day: dt.date, rep_id: int | None
) -> FeatureCollection:
    await _check_rep(conn, principal, rep_id)
    rows = await repository.due_not_visited(conn, principal.role.value, principal.user_id, day, rep_id)
    return FeatureCollection(
        features=[
            Feature(
                id=f"due-{row.rep_id}-{row.account_id}",
                geometry=_point(row.lat, row.lon),
                properties={
                    "kind": "due",
                    "rep_id": row.rep_id,
                    "rep_name": row.rep_name,
                    "account_id": row.account_id,
                    "account_name": row.account_name,
                    "address": row.address,
                    "seq": row.seq,
                    "cause": row.cause,
                    "reason": row.reason,
                },
            )
            for row in rows
        ]
    )


async def territories_geojson(conn: asyncpg.Connection, principal: Principal) -> FeatureCollection:
    rows = await repository.territories(conn, principal.role.value, principal.user_id)
    return FeatureCollection(
        features=[
            Feature(
                id=row.id,
                geometry=row.geometry,
                properties={
                    "kind": "territory",
                    "code": row.code,
                    "name": row.name,
                    "region": row.region,
                    "owner_rep_id": row.owner_rep_id,
                    "owner_name": row.owner_name,
                },
            )
            for row in rows
        ]
    )


def _build_basemap() -> bytes:
    global _basemap
    with _basemap_lock:
        if _basemap is None:
            from geo_data.demo_city import load_demo_city

            city = load_demo_city()
            collection = city.streets_geojson()
            collection["bbox"] = list(city.bbox)
            _basemap = msgspec.json.encode(collection)
        return _basemap


async def basemap_geojson() -> bytes:
    """The demo city's streets as GeoJSON bytes (read from the bundled OSM extract once, off the loop)."""
    if _basemap is not None:
        return _basemap
    return await asyncio.to_thread(_build_basemap)
