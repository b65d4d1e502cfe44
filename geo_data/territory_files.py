"""Territory polygons from GIS files (GeoJSON, Shapefile, GeoPackage) or GeoJSON objects.

* Read with geopandas (pyogrio); the first layer of a GeoPackage; every feature is one territory.
* Reprojected to EPSG:4326. A file without a CRS is taken as EPSG:4326 when its coordinates are
  degrees (noted as a problem of kind ``assumed_crs``), refused otherwise.
* Attributes by column name (case-insensitive): ``code`` (or ``id``/``territory``), ``name``,
  ``owner`` (``owner_email``/``rep``/``rep_email``), ``backup`` (``backup_email``/``backup_rep``),
  ``region``. Without a code the name is the code; without either ``T<n>``.
* Invalid polygons (self-intersections, bow-ties, duplicate rings) are repaired with
  ``shapely.make_valid`` keeping the polygonal parts (kind ``repaired``, with GEOS's reason and
  the area change); what is not polygonal or empty after repair is rejected (``rejected``).
  Holes are reported (``hole``).
* Between territories: ``overlap`` (pairs whose interiors share area, with the area in m²),
  ``gap`` (areas inside the territories' convex hull covered by none that are enclosed or touch two
  or more territories: holes and slivers between neighbours), and ``duplicate_code``.

Areas are in square metres by a local equirectangular approximation (good to a few per cent at a
city's scale); overlaps smaller than ``min_area_m2`` (1 m², digitising noise) are not reported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

__all__ = [
    "TerritoryFile",
    "TerritoryFileError",
    "TerritoryProblem",
    "TerritoryShape",
    "area_m2",
    "check_polygon",
    "geometry_from_geojson",
    "layout_problems",
    "read_territory_file",
]


class TerritoryFileError(ValueError):
    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


@dataclass(frozen=True)
class TerritoryProblem:
    kind: str  # repaired | rejected | hole | overlap | gap | duplicate_code | assumed_crs
    codes: list[str]
    detail: str
    area_m2: float | None = None
    location: tuple[float, float] | None = None  # (lat, lon) of a point in the problem area


@dataclass(frozen=True)
class TerritoryShape:
    code: str
    name: str
    geometry: MultiPolygon  # EPSG:4326, valid
    owner_email: str | None = None
    backup_email: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class TerritoryFile:
    file_name: str
    territories: list[TerritoryShape]
    problems: list[TerritoryProblem] = field(default_factory=list)
    source_crs: str | None = None


def area_m2(geometry: BaseGeometry) -> float:
    """Area of a lon/lat geometry in m² (equirectangular around its centroid)."""
    if geometry.is_empty:
        return 0.0
    lat = geometry.centroid.y
    return float(geometry.area) * 111_320.0**2 * math.cos(math.radians(lat))


def _where(geometry: BaseGeometry) -> tuple[float, float] | None:
    if geometry.is_empty:
        return None
    point = geometry.representative_point()
    return round(point.y, 6), round(point.x, 6)


def check_polygon(geometry: BaseGeometry | None, code: str) -> tuple[MultiPolygon | None, list[TerritoryProblem]]:
    """A valid MultiPolygon (or None when rejected) and the problems found on the way."""
    problems: list[TerritoryProblem] = []
    if geometry is None or geometry.is_empty:
        return None, [TerritoryProblem("rejected", [code], "no geometry")]
    if not isinstance(geometry, Polygon | MultiPolygon):
        return None, [TerritoryProblem("rejected", [code], f"a {geometry.geom_type} is not a polygon")]
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
    if not geometry.is_valid:
        reason = explain_validity(geometry)
        before = area_m2(geometry)
        repaired = shapely.make_valid(geometry)
        polygons = [part for part in getattr(repaired, "geoms", [repaired]) if isinstance(part, Polygon | MultiPolygon)]
        flat: list[Polygon] = []
        for part in polygons:
            flat.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
        flat = [p for p in flat if not p.is_empty and p.area > 0]
        if not flat:
            detail = f"invalid ({reason}) and nothing polygonal survives repair"
            return None, [TerritoryProblem("rejected", [code], detail)]
        geometry = shapely.unary_union(flat)
        problems.append(
            TerritoryProblem(
                "repaired",
                [code],
                f"invalid polygon ({reason}) repaired; area {before:.0f} -> {area_m2(geometry):.0f} m²",
                round(area_m2(geometry), 1),
                _where(geometry),
            )
        )
    multi = geometry if isinstance(geometry, MultiPolygon) else MultiPolygon([geometry])
    for polygon in multi.geoms:
        for ring in polygon.interiors:
            hole = Polygon(ring)
            problems.append(
                TerritoryProblem("hole", [code], "the polygon has a hole", round(area_m2(hole), 1), _where(hole))
            )
    return multi, problems


def layout_problems(shapes: Sequence[tuple[str, BaseGeometry]], *, min_area_m2: float = 1.0) -> list[TerritoryProblem]:
    """Overlaps between every two territories and gaps enclosed by them all."""
    problems: list[TerritoryProblem] = []
    geometries = [geometry for _, geometry in shapes]
    tree = shapely.STRtree(geometries)
    for i, (code_a, geom_a) in enumerate(shapes):
        for j in sorted(int(k) for k in tree.query(geom_a)):
            if j <= i:
                continue
            code_b, geom_b = shapes[j]
            shared = geom_a.intersection(geom_b)
            area = area_m2(shared)
            if area >= min_area_m2:
                problems.append(
                    TerritoryProblem(
                        "overlap",
                        [code_a, code_b],
                        f"{code_a} and {code_b} overlap by {area:.0f} m²",
                        round(area, 1),
                        _where(shared),
                    )
                )
    union = shapely.unary_union(geometries) if geometries else None
    if union is not None and not union.is_empty:
        # Enclosed holes of the union, and slivers between territories inside their convex hull that
        # touch two or more of them (a notch of the outer border touching one territory is not a gap).
        uncovered = union.convex_hull.difference(union)
        parts = list(getattr(uncovered, "geoms", [uncovered]))
        for part in parts:
            if not isinstance(part, Polygon) or part.is_empty:
                continue
            area = area_m2(part)
            if area < min_area_m2:
                continue
            touching = part.buffer(1e-7)
            near = sorted(code for code, geometry in shapes if geometry.intersects(touching))
            enclosed = not part.exterior.intersects(union.convex_hull.exterior)
            if enclosed or len(near) >= 2:
                problems.append(
                    TerritoryProblem(
                        "gap",
                        near,
                        f"an area of {area:.0f} m² between {', '.join(near)} belongs to no territory",
                        round(area, 1),
                        _where(part),
                    )
                )
    return problems


def geometry_from_geojson(value: Mapping[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON Geometry, Feature or one-feature FeatureCollection."""
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features") or []
        if len(features) != 1:
            raise ValueError("a FeatureCollection must hold exactly one feature here")
        return geometry_from_geojson(features[0])
    if kind == "Feature":
        geometry = value.get("geometry")
        if not isinstance(geometry, Mapping):
            raise ValueError("the feature has no geometry")
        return geometry_from_geojson(geometry)
    if kind not in {"Polygon", "MultiPolygon"}:
        raise ValueError(f"expected a GeoJSON Polygon or MultiPolygon, got {kind!r}")
    try:
        return shape(dict(value))
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"malformed GeoJSON {kind}: {exc}") from exc


_ATTRS = {
    "code": ("code", "id", "territory", "territory_code", "tcode"),
    "name": ("name", "territory_name", "nimi"),
    "owner": ("owner", "owner_email", "rep", "rep_email", "owner_rep"),
    "backup": ("backup", "backup_email", "backup_rep"),
    "region": ("region", "area", "alue"),
}


def _attr(row: Mapping[str, Any], columns: Mapping[str, str], name: str) -> str | None:
    for alias in _ATTRS[name]:
        column = columns.get(alias)
        if column is not None:
            value = row.get(column)
            if value is not None and value == value and str(value).strip():
                text = str(value).strip()
                return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text
    return None


def read_territory_file(path: Path) -> TerritoryFile:
    """Territories of a GeoJSON/Shapefile/GeoPackage file, with every problem found."""
    import geopandas

    name = path.name
    if not path.exists():
        raise TerritoryFileError(name, "no such file")
    if path.stat().st_size == 0:
        raise TerritoryFileError(name, "the file is empty (0 bytes)")
    if path.suffix.lower() in {".json", ".geojson"}:
        try:
            json.loads(path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TerritoryFileError(name, f"not valid GeoJSON: {exc}") from exc
    try:
        frame = geopandas.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise TerritoryFileError(name, f"not a readable GeoJSON, Shapefile or GeoPackage file ({exc})") from exc
    if len(frame) == 0:
        raise TerritoryFileError(name, "the file holds no features")
    problems: list[TerritoryProblem] = []
    crs = frame.crs
    if crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise TerritoryFileError(
                name, "the file has no coordinate reference system and its coordinates are not degrees"
            )
        problems.append(TerritoryProblem("assumed_crs", [], "no CRS in the file; EPSG:4326 assumed"))
        source_crs = None
    else:
        source_crs = crs.to_string()
        if crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
    columns = {str(column).lower(): str(column) for column in frame.columns if column != "geometry"}
    shapes: list[TerritoryShape] = []
    seen: set[str] = set()
    for index, row in enumerate(frame.to_dict("records")):
        code = _attr(row, columns, "code") or _attr(row, columns, "name") or f"T{index + 1}"
        if code in seen:
            detail = f"feature {index + 1}: code {code!r} repeats; skipped"
            problems.append(TerritoryProblem("duplicate_code", [code], detail))
            continue
        seen.add(code)
        geometry, found = check_polygon(row.get("geometry"), code)
        problems.extend(found)
        if geometry is None:
            continue
        shapes.append(
            TerritoryShape(
                code=code,
                name=_attr(row, columns, "name") or code,
                geometry=geometry,
                owner_email=(_attr(row, columns, "owner") or "").lower() or None,
                backup_email=(_attr(row, columns, "backup") or "").lower() or None,
                region=_attr(row, columns, "region"),
            )
        )
    problems.extend(layout_problems([(s.code, s.geometry) for s in shapes]))
    return TerritoryFile(name, shapes, problems, source_crs)
