"""Ward polygons for the offline coverage map.

Without a boundary file the ward shapes are approximated: a Voronoi tessellation of the official ward
coordinates (each point of the city belongs to its nearest ward centre), clipped to an outline of the
city derived from the same points (a concave hull, slightly buffered). Districts are the union of their
wards; the 2025 communes the union of the legacy wards allocated to them (``kpis.rollup``). When a
GeoJSON of real ward boundaries is configured (``HSSK_WARD_BOUNDARIES``: features with a ``code``
property = the 5-digit ward code) its shapes are used instead.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.spatial import Voronoi
from shapely import MultiPoint, Polygon, concave_hull, unary_union
from shapely.geometry import mapping, shape


@lru_cache(maxsize=8)
def voronoi_cells(
    points: tuple[tuple[int, float, float], ...], hull_ratio: float = 0.25
) -> dict[int, Polygon]:
    """(unit_id, lon, lat) → {unit_id: polygon}; every cell clipped to the outline of all points."""
    if not points:
        return {}
    ids = [p[0] for p in points]
    xy = np.array([(p[1], p[2]) for p in points], dtype=float)
    spread = float(np.ptp(xy, axis=0).max() or 1.0)
    outline = concave_hull(MultiPoint(xy), ratio=hull_ratio).buffer(spread * 0.02)
    if len(points) < 3:
        return {unit_id: outline for unit_id in ids}
    centre = xy.mean(axis=0)
    far = spread * 10
    corners = np.array([(-far, -far), (-far, far), (far, -far), (far, far)])
    frame = corners + centre
    vor = Voronoi(np.vstack([xy, frame]))
    cells: dict[int, Polygon] = {}
    for index, unit_id in enumerate(ids):
        region = vor.regions[vor.point_region[index]]
        if not region or -1 in region:
            continue
        cell = Polygon(vor.vertices[region]).intersection(outline)
        if not cell.is_empty:
            cells[unit_id] = cell
    return cells


@lru_cache(maxsize=4)
def boundary_file_cells(path: str) -> dict[str, Polygon]:
    """code → shape from a configured GeoJSON boundary file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        str(feature["properties"]["code"]): shape(feature["geometry"])
        for feature in data.get("features", [])
        if feature.get("geometry") and "code" in feature.get("properties", {})
    }


def dissolve(cells: dict[int, Polygon], groups: dict[int, int]) -> dict[int, Polygon]:
    """Union of cells by group: {cell_id: group_id} → {group_id: polygon}."""
    members: dict[int, list[Polygon]] = {}
    for cell_id, group_id in groups.items():
        if cell_id in cells:
            members.setdefault(group_id, []).append(cells[cell_id])
    return {group_id: unary_union(polys).buffer(0) for group_id, polys in members.items()}


def to_geojson_geometry(polygon, tolerance: float = 0.0003) -> dict:
    return mapping(polygon.simplify(tolerance, preserve_topology=True))
