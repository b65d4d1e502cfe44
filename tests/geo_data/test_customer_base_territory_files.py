"""Territory files: GeoJSON, Shapefile, GeoPackage; reprojection; repair; overlaps, gaps, holes (pure)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas
import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from geo_data.territory_files import (
    TerritoryFileError,
    check_polygon,
    geometry_from_geojson,
    read_territory_file,
)

WEST = box(24.90, 60.15, 24.95, 60.20)
EAST = box(24.949, 60.15, 25.00, 60.20)  # overlaps WEST by a 0.001° strip
BOW_TIE = Polygon([(25.00, 60.15), (25.05, 60.20), (25.05, 60.15), (25.00, 60.20)])  # self-intersecting
WITH_HOLE = Polygon(
    [(24.85, 60.15), (24.90, 60.15), (24.90, 60.20), (24.85, 60.20)],
    [[(24.86, 60.16), (24.88, 60.16), (24.88, 60.18), (24.86, 60.18)]],
)


def _frame(crs: str = "EPSG:4326") -> geopandas.GeoDataFrame:
    return geopandas.GeoDataFrame(
        {
            "code": ["W", "E", "B", "H"],
            "name": ["West", "East", "Bow", "Holey"],
            "owner": ["rep1@example.com", None, None, None],
        },
        geometry=[WEST, EAST, BOW_TIE, WITH_HOLE],
        crs="EPSG:4326",
    ).to_crs(crs)


def test_geojson_with_overlap_self_intersection_and_hole(tmp_path: Path) -> None:
    path = tmp_path / "territories.geojson"
    _frame().to_file(path, driver="GeoJSON")
    parsed = read_territory_file(path)
    assert [t.code for t in parsed.territories] == ["W", "E", "B", "H"]
    assert all(isinstance(t.geometry, MultiPolygon) and t.geometry.is_valid for t in parsed.territories)
    kinds = {(p.kind, tuple(p.codes)) for p in parsed.problems}
    assert ("overlap", ("W", "E")) in kinds
    assert ("repaired", ("B",)) in kinds
    assert ("hole", ("H",)) in kinds
    assert ("gap", ("H",)) in kinds  # the hole is covered by no other territory
    overlap = next(p for p in parsed.problems if p.kind == "overlap")
    assert overlap.area_m2 is not None and 280_000 < overlap.area_m2 < 340_000  # 0.001° x 0.05°: 56 m x 5.6 km
    assert parsed.territories[0].owner_email == "rep1@example.com"


def test_shapefile_in_a_projected_crs_is_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "territories.shp"
    _frame("EPSG:3067").to_file(path)  # ETRS-TM35FIN, metres
    parsed = read_territory_file(path)
    assert parsed.source_crs is not None and "3067" in parsed.source_crs
    west = parsed.territories[0].geometry
    assert west.bounds == pytest.approx(WEST.bounds, abs=1e-6)


def test_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "territories.gpkg"
    _frame().to_file(path, driver="GPKG")
    assert len(read_territory_file(path).territories) == 4


def test_bad_territory_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(TerritoryFileError, match="empty"):
        read_territory_file(empty)
    text = tmp_path / "notes.geojson"
    text.write_text("these are not polygons")
    with pytest.raises(TerritoryFileError, match="not valid GeoJSON"):
        read_territory_file(text)
    pdf = tmp_path / "map.gpkg"
    pdf.write_bytes(b"%PDF-1.4 not a geopackage")
    with pytest.raises(TerritoryFileError, match="not a readable"):
        read_territory_file(pdf)


def test_non_polygons_are_rejected_and_geojson_objects_parsed() -> None:
    assert check_polygon(LineString([(0, 0), (1, 1)]), "L")[0] is None
    feature = {"type": "Feature", "properties": {}, "geometry": json.loads(json.dumps(WEST.__geo_interface__))}
    assert geometry_from_geojson(feature).equals(WEST)
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        geometry_from_geojson({"type": "Point", "coordinates": [0, 0]})
    with pytest.raises(ValueError, match="malformed"):
        geometry_from_geojson({"type": "Polygon", "coordinates": [[1, 2]]})


def test_a_sliver_between_neighbours_is_a_gap_but_an_outer_notch_is_not() -> None:
    from geo_data.territory_files import layout_problems

    left, right = box(24.90, 60.15, 24.95, 60.20), box(24.951, 60.15, 25.00, 60.20)
    gaps = [p for p in layout_problems([("L", left), ("R", right)]) if p.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].codes == ["L", "R"] and gaps[0].area_m2 is not None
    l_shape = Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])  # one territory, a concave corner
    assert not [p for p in layout_problems([("A", l_shape)]) if p.kind == "gap"]
