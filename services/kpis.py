"""Screen-shaped KPI data for the overview, phase, district, map and settings pages. No Streamlit here.

Everything is computed from the compact KPI facts (``kpis.api``) inside the viewer's scope; frames come
back with stable English column keys, the pages translate headers.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine

from data_access.kpi_facts import district_totals, measure_totals, org_frames
from data_access.scope import Principal, Scope
from kpis import rollup_store
from kpis.api import FactWindow, as_of_default, kpi_table, kpi_trends
from kpis.catalogue import PHASE_DEADLINES, PHASE_STARTS, Kpi, by_id, load_catalogue, update_definition
from kpis.rollup import attach_kpis, ward_to_commune, with_ratio
from services import geometry

STATUS_ORDER = {"overdue": 0, "at_risk": 1, "on_track": 2, "met": 3}
HEADLINE = (
    ("residents", "P1_RECORDS_CREATED", "denominator"),
    ("records_created", "P1_RECORDS_CREATED", "value"),
    ("verified", "P2_POPULATION_VERIFIED", "value"),
    ("vneid", "P2_VNEID_SHARED", "value"),
    ("facilities_connected", "P1_FACILITIES_CONNECTED", "numerator"),
    ("accounts_active", "P3_ACCOUNTS_ACTIVE", "value"),
)
# Fixed legend bands of the coverage map (ratio lower bounds), colour-blind-safe-ish red → green.
BANDS = (
    (0.95, "≥ 95 %", (26, 150, 65)),
    (0.80, "80–95 %", (166, 217, 106)),
    (0.50, "50–80 %", (253, 174, 97)),
    (0.0, "< 50 %", (215, 25, 28)),
)
NO_DATA_COLOUR = (200, 200, 200)


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None = None


def default_as_of(engine: Engine) -> dt.date:
    return as_of_default(engine)


def catalogue(engine: Engine) -> tuple[Kpi, ...]:
    return load_catalogue(engine)


def scope_units(engine: Engine, scope: Scope) -> dict[str, list[Unit]]:
    """Districts and wards the viewer may select (reference data, filtered to the scope)."""
    units = org_frames(engine)["units"]
    districts = units.filter(pl.col("level") == "district")
    wards = units.filter(pl.col("level") == "ward")
    if not scope.city:
        ward_ids = set(scope.ward_ids)
        wards = wards.filter(
            pl.col("parent_id").is_in(list(scope.district_ids)) | pl.col("id").is_in(list(ward_ids))
        )
        districts = districts.filter(
            pl.col("id").is_in(list(scope.district_ids)) | pl.col("id").is_in(wards["parent_id"].to_list())
        )

    def as_units(frame: pl.DataFrame, level: str) -> list[Unit]:
        return [
            Unit(r["id"], r["code"], r["name"], level, r["parent_id"])
            for r in frame.sort("code").iter_rows(named=True)
        ]

    return {"district": as_units(districts, "district"), "ward": as_units(wards, "ward")}


def narrow_scope(scope: Scope, district_id: int | None, ward_id: int | None, engine: Engine) -> Scope:
    """The viewer's scope narrowed to the chosen district/ward — never widened beyond it."""
    allowed = scope_units(engine, scope)
    if ward_id is not None and any(u.id == ward_id for u in allowed["ward"]):
        return Scope(ward_ids=frozenset({ward_id}))
    if district_id is not None and any(u.id == district_id for u in allowed["district"]):
        if scope.city or district_id in scope.district_ids:
            return Scope(district_ids=frozenset({district_id}))
        wards = [u.id for u in allowed["ward"] if u.parent_id == district_id]
        return Scope(ward_ids=frozenset(wards))
    return scope


def _status_rank(status: str | None) -> int:
    return STATUS_ORDER.get(status or "", 9)


def headline(total: pl.DataFrame) -> list[dict]:
    rows = {r["kpi_id"]: r for r in total.iter_rows(named=True)}
    out = []
    for key, kpi_id, field in HEADLINE:
        row = rows.get(kpi_id)
        out.append(
            {
                "key": key,
                "kpi_id": kpi_id,
                "kind": "percent" if field == "value" else "count",
                "value": row[field] if row else None,
                "denominator": row["denominator"] if row else None,
                "status": row["status"] if row else None,
            }
        )
    return out


def phase_timeline(as_of: dt.date) -> list[dict]:
    out = []
    for phase in (1, 2, 3):
        deadline = PHASE_DEADLINES[phase]
        out.append(
            {
                "phase": phase,
                "start": PHASE_STARTS[phase],
                "deadline": deadline,
                "passed": deadline is not None and as_of > deadline,
            }
        )
    return out


def league_table(district_table: pl.DataFrame, kpis: tuple[Kpi, ...]) -> pl.DataFrame:
    """One row per district: every KPI's value (%), the worst status and the largest delay."""
    if district_table.is_empty():
        return pl.DataFrame(schema={"unit_id": pl.Int64, "code": pl.String, "name": pl.String})
    values = district_table.pivot(on="kpi_id", index=["unit_id", "code", "name"], values="value")
    ordered = [k.id for k in kpis if k.id in values.columns]
    values = values.select("unit_id", "code", "name", *[(pl.col(k) * 100).round(1).alias(k) for k in ordered])
    summary = district_table.group_by("unit_id").agg(
        pl.col("status").filter(pl.col("status") != "met").count().alias("kpis_not_met"),
        pl.col("status").filter(pl.col("status") == "overdue").count().alias("kpis_overdue"),
        pl.col("days_overdue").max().alias("max_days_overdue"),
        pl.col("days_late").max().alias("max_days_late"),
    )
    return values.join(summary, on="unit_id", how="left").sort(
        ["kpis_overdue", "code"], descending=[True, False]
    )


def overview(engine: Engine, scope: Scope, as_of: dt.date) -> dict:
    kpis = load_catalogue(engine)
    org = org_frames(engine)
    facts = FactWindow(engine, scope, as_of)
    total = kpi_table(engine, scope, as_of, "city", catalogue=kpis, org=org, facts=facts)
    districts = kpi_table(engine, scope, as_of, "district", catalogue=kpis, org=org, facts=facts)
    return {
        "as_of": as_of,
        "headline": headline(total),
        "phases": phase_timeline(as_of),
        "kpis": total,
        "league": league_table(districts, kpis),
        "districts": districts,
    }


def units_table(
    engine: Engine, scope: Scope, as_of: dt.date, level: str, parent_id: int | None = None
) -> pl.DataFrame:
    """All KPIs for every unit of ``level`` (optionally only the children of ``parent_id``)."""
    table = kpi_table(engine, scope, as_of, level)
    if parent_id is not None:
        table = table.filter(pl.col("parent_id") == parent_id)
    return table


def _empty_types() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "kpi_id": pl.String,
            "facility_type": pl.String,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "value": pl.Float64,
        }
    )


def _trends(
    engine: Engine, scope: Scope, kpis: tuple[Kpi, ...], end: dt.date, start: dt.date, total: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """From the roll-up's stored points when they cover the request, ending on ``end``'s figures in
    ``total`` (the in-scope KPI table on ``end``); else daily from the facts (one read for all the
    KPIs the roll-up does not cover)."""
    stored = rollup_store.trends(engine, scope, kpis, end=end, start=start)
    missing = tuple(kpi for kpi in kpis if stored[kpi.id] is None)
    daily = kpi_trends(engine, scope, missing, end=end, start=start) if missing else {}
    return {
        kpi_id: _ending_on(trend, end, total.filter(pl.col("kpi_id") == kpi_id))
        if trend is not None
        else daily[kpi_id]
        for kpi_id, trend in stored.items()
    }


def _ending_on(trend: pl.DataFrame, end: dt.date, total: pl.DataFrame) -> pl.DataFrame:
    """``trend`` with ``end`` as its last point (a past day falls between the stored weekly points)."""
    if trend.is_empty() or total.is_empty() or trend["day"][-1] == end:
        return trend
    last = pl.DataFrame(
        {"day": [end], "numerator": total["numerator"][:1], "denominator": total["denominator"][:1]},
        schema={"day": pl.Date, "numerator": pl.Int64, "denominator": pl.Int64},
    )
    return with_ratio(pl.concat([trend.select("day", "numerator", "denominator"), last]))


def by_facility_type(
    engine: Engine, scope: Scope, as_of: dt.date, kpis: tuple[Kpi, ...], facts: FactWindow | None = None
) -> pl.DataFrame:
    """Facility-based KPIs split by facility type (kpi_id, facility_type, numerator, denominator, value).

    ``facts``: the request's fact window; a past day's finest facts it has read give the totals.
    """
    from kpis.measures import FACILITY_MEASURES  # only these have facility rows

    measures = sorted({m for k in kpis for m in (k.numerator, k.denominator) if m in FACILITY_MEASURES})
    if not measures:
        return _empty_types()
    read = facts.totals_read(measures) if facts is not None else None
    if read is not None:
        finest = read.filter(pl.col("facility_id") > 0)
    elif scope.is_whole_districts:  # the facility type survives in the district-level totals
        finest = district_totals(engine, scope, as_of, measures).filter(pl.col("facility_type") != "")
    else:
        finest = measure_totals(engine, scope, as_of, measures).filter(pl.col("facility_id") > 0)
    if finest.is_empty():
        return _empty_types()
    tagged = attach_kpis(finest, kpis)
    grouped = tagged.group_by(["kpi_id", "facility_type"]).agg(
        pl.col("value").filter(pl.col("side") == "numerator").sum().alias("numerator"),
        pl.col("value").filter(pl.col("side") == "denominator").sum().alias("denominator"),
    )
    return with_ratio(grouped).sort(["kpi_id", "facility_type"])


def phase_view(engine: Engine, scope: Scope, phase: int, as_of: dt.date, trend_days: int = 540) -> dict:
    """Per KPI of the phase: the in-scope total with status, a trend, and breakdowns."""
    kpis = load_catalogue(engine)
    org = org_frames(engine)
    phase_kpis = tuple(k for k in kpis if k.phase == phase)
    facts = FactWindow(engine, scope, as_of)
    # The ward level first: on a day without a roll-up its finest facts then serve the levels above.
    wards = kpi_table(engine, scope, as_of, "ward", catalogue=phase_kpis, org=org, facts=facts)
    total = kpi_table(engine, scope, as_of, "city", catalogue=phase_kpis, org=org, facts=facts)
    districts = kpi_table(engine, scope, as_of, "district", catalogue=phase_kpis, org=org, facts=facts)
    types = by_facility_type(engine, scope, as_of, phase_kpis, facts)
    start = as_of - dt.timedelta(days=trend_days)
    trends = _trends(engine, scope, phase_kpis, as_of, start, total)
    items = []
    for kpi in phase_kpis:
        row = total.filter(pl.col("kpi_id") == kpi.id)
        items.append(
            {
                "kpi": kpi,
                "total": row.row(0, named=True) if row.height else None,
                "trend": trends[kpi.id],
                "by_district": _breakdown(districts, kpi.id),
                "by_ward": _breakdown(wards, kpi.id),
                "by_facility_type": types.filter(pl.col("kpi_id") == kpi.id).drop("kpi_id"),
            }
        )
    return {"as_of": as_of, "phase": phase, "items": items}


def _breakdown(table: pl.DataFrame, kpi_id: str) -> pl.DataFrame:
    return (
        table.filter(pl.col("kpi_id") == kpi_id)
        .select("code", "name", "numerator", "denominator", "value", "status", "projected_date", "days_late")
        .sort("value", nulls_last=True)
    )


def district_view(engine: Engine, scope: Scope, as_of: dt.date) -> dict:
    """A district manager's page: their district(s) in total, per ward, per facility."""
    kpis = load_catalogue(engine)
    org = org_frames(engine)
    facts = FactWindow(engine, scope, as_of)
    wards = kpi_table(engine, scope, as_of, "ward", catalogue=kpis, org=org, facts=facts)  # see phase_view
    total = kpi_table(engine, scope, as_of, "city", catalogue=kpis, org=org, facts=facts)
    facility_kpis = tuple(k for k in kpis if k.facility_based)
    facilities = kpi_table(engine, scope, as_of, "facility", catalogue=facility_kpis, org=org, facts=facts)
    facility_types = org["facilities"].select(pl.col("id").alias("unit_id"), "facility_type")
    return {
        "as_of": as_of,
        "kpis": total,
        "wards": league_table(wards, kpis),
        "facilities": facilities.join(facility_types, on="unit_id", how="left").select(
            "kpi_id", "code", "name", "facility_type", "numerator", "denominator", "value", "status"
        ),
    }


def kpi_trend(
    engine: Engine, scope: Scope, kpi_id: str, as_of: dt.date, on_day: tuple[int, int], trend_days: int = 540
) -> dict:
    """One KPI's trend inside ``scope`` up to ``as_of``, whose (numerator, denominator) the caller's
    KPI table already holds (the district view shows the KPI the manager picks)."""
    kpi = next(k for k in load_catalogue(engine) if k.id == kpi_id)
    total = pl.DataFrame(
        {"kpi_id": [kpi_id], "numerator": [on_day[0]], "denominator": [on_day[1]]},
        schema={"kpi_id": pl.String, "numerator": pl.Int64, "denominator": pl.Int64},
    )
    start = as_of - dt.timedelta(days=trend_days)
    return {"kpi": kpi, "trend": _trends(engine, scope, (kpi,), as_of, start, total)[kpi_id]}


# --- coverage map ------------------------------------------------------------------------------------


def band_of(value: float | None) -> tuple[str, tuple[int, int, int]]:
    if value is None:
        return "–", NO_DATA_COLOUR
    for lower, label, colour in BANDS:
        if value >= lower - 1e-12:
            return label, colour
    return BANDS[-1][1], BANDS[-1][2]


def legend() -> list[dict]:
    return [{"label": label, "colour": colour} for _, label, colour in reversed(BANDS)]


def _ward_cells(org: dict[str, pl.DataFrame]) -> dict[int, object]:
    wards = org["units"].filter(pl.col("level") == "ward", pl.col("latitude").is_not_null())
    path = os.environ.get("HSSK_WARD_BOUNDARIES")
    if path:
        by_code = geometry.boundary_file_cells(path)
        return {r["id"]: by_code[r["code"]] for r in wards.iter_rows(named=True) if r["code"] in by_code}
    points = tuple(
        (r["id"], float(r["longitude"]), float(r["latitude"])) for r in wards.sort("id").iter_rows(named=True)
    )
    return geometry.voronoi_cells(points)


def map_data(engine: Engine, scope: Scope, kpi_id: str, level: str, as_of: dt.date) -> dict:
    """GeoJSON features (filled by legend band) for one KPI at ward, district or 2025-commune level."""
    org = org_frames(engine)
    kpis = load_catalogue(engine)
    kpi = by_id(kpis)[kpi_id]
    table = kpi_table(engine, scope, as_of, level, catalogue=(kpi,), org=org)
    cells = _ward_cells(org)
    if level == "ward":
        shapes = cells
    elif level == "district":
        wards = org["units"].filter(pl.col("level") == "ward")
        shapes = geometry.dissolve(cells, dict(zip(wards["id"], wards["parent_id"], strict=True)))
    elif level == "commune_2025":
        lookup = ward_to_commune(org["mapping"])
        shapes = geometry.dissolve(cells, dict(zip(lookup["ward_id"], lookup["commune_id"], strict=True)))
    else:
        raise ValueError(level)
    features = []
    for row in table.iter_rows(named=True):
        shape = shapes.get(row["unit_id"])
        if shape is None or shape.is_empty:
            continue
        band, colour = band_of(row["value"])
        features.append(
            {
                "type": "Feature",
                "geometry": geometry.to_geojson_geometry(shape),
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "value": row["value"],
                    "numerator": row["numerator"],
                    "denominator": row["denominator"],
                    "status": row["status"],
                    "band": band,
                    "colour": [*colour, 210],
                },
            }
        )
    lats = [b for f in features for b in _lat_bounds(f["geometry"])]
    lons = [b for f in features for b in _lon_bounds(f["geometry"])]
    centre = ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2) if lats else (21.03, 105.85)
    return {
        "kpi": kpi,
        "level": level,
        "geojson": {"type": "FeatureCollection", "features": features},
        "centre": centre,
        "zoom": zoom_to_fit(max(lats) - min(lats), max(lons) - min(lons), centre[0]) if lats else 9.0,
        "legend": legend(),
        "table": table.select("code", "name", "numerator", "denominator", "value", "status"),
    }


def _coords(geometry_json: dict):
    def walk(node):
        if isinstance(node, (list, tuple)) and node and isinstance(node[0], (int, float)):
            yield node
        elif isinstance(node, (list, tuple)):
            for child in node:
                yield from walk(child)

    return walk(geometry_json["coordinates"])


def _lat_bounds(geometry_json: dict) -> list[float]:
    return [c[1] for c in _coords(geometry_json)]


def _lon_bounds(geometry_json: dict) -> list[float]:
    return [c[0] for c in _coords(geometry_json)]


MAP_HEIGHT_PX = 620
MAP_MIN_WIDTH_PX = 700  # the narrowest the main column gets on an office screen
DECK_WORLD_PX = 512  # deck.gl's world is 512 px wide at zoom 0


def zoom_to_fit(lat_span: float, lon_span: float, latitude: float) -> float:
    """The deck.gl zoom at which the units fill ~85 % of the map's height (or ~90 % of its width):
    a latitude span is stretched by Mercator's 1/cos(latitude)."""
    import math

    stretch = 1 / math.cos(math.radians(latitude))
    fits = (
        math.log2(MAP_HEIGHT_PX * 0.85 * 360 / (DECK_WORLD_PX * max(lat_span, 1e-3) * stretch)),
        math.log2(MAP_MIN_WIDTH_PX * 0.9 * 360 / (DECK_WORLD_PX * max(lon_span, 1e-3))),
    )
    return max(7.0, min(14.0, min(fits)))


# --- settings ----------------------------------------------------------------------------------------


def settings_frame(engine: Engine) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "kpi_id": k.id,
                "phase": k.phase,
                "name_vi": k.name_vi,
                "name_en": k.name_en,
                "target": k.target,
                "deadline": k.deadline,
            }
            for k in load_catalogue(engine)
        ]
    )


def save_setting(engine: Engine, principal: Principal, kpi_id: str, target: float, deadline: dt.date) -> bool:
    return update_definition(engine, kpi_id, target=target, deadline=deadline, actor=principal)
