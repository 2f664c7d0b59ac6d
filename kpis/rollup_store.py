"""The materialised KPI roll-up (``kpi_rollup``): what the pages read instead of the daily facts.

Written at the end of every refresh for the refresh's day D (the pages' default "as of"):

* ``status`` rows — every level (city, district, ward, 2025 commune, facility): each KPI's numerator,
  denominator and run-rate on D, computed by the same code as ``kpis.api.kpi_table`` (so identical);
  status and forecast are derived on read, because targets and deadlines are edited by the admin.
* ``window`` rows — city and district: every day of the run-rate window ending on D, so a viewer
  whose scope is a set of whole districts gets the in-scope total and its run-rate by summing them.
* ``trend`` rows — city and district: weekly points (D - 7k) back to ``TREND_DAYS`` before D plus every
  day of the last ``RECENT_DAYS``, from ONE aggregate pass over the facts.

Readers return ``None`` when the roll-up cannot answer (another day, or a scope that cuts across units,
e.g. single wards at city level): the caller then computes from the facts as before. Every read applies
the caller's scope.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Engine, delete, func, select

from data_access.bulk import append_frame
from data_access.kpi_facts import (
    district_daily,
    measure_daily,
    measure_totals,
    org_frames,
    save_refresh_state,
)
from data_access.models import KpiRefreshState, KpiRollup
from data_access.scope import Scope, scope_clause
from kpis.api import LATEST_SCHEMA, RATE_WINDOW_DAYS, latest_with_rates, window_grid, window_latest
from kpis.catalogue import Kpi, load_catalogue
from kpis.rollup import CITY_UNIT_ID, LEVELS, rollup, with_ratio

STATE = "kpi_rollup"  # kpi_refresh_state row: data_through = the day the roll-up describes
TREND_DAYS = 760  # the phase pages chart 540 days back from an "as of" up to 220 days before the refresh
RECENT_DAYS = 35
R = KpiRollup


# --- write ---------------------------------------------------------------------------------------------


def invalidate(engine: Engine) -> None:
    """Called before the facts change: readers fall back to the facts until ``materialise`` runs."""
    with engine.begin() as connection:
        connection.execute(delete(KpiRefreshState).where(KpiRefreshState.source == STATE))


def _locations(org: dict[str, pl.DataFrame], level: str) -> pl.DataFrame:
    """unit_id → district_id, ward_id of the unit (NULL for the city and the 2025 communes)."""
    units = org["units"]
    wards = units.filter(pl.col("level") == "ward").select(
        pl.col("id").alias("ward_id"), pl.col("parent_id").alias("district_id")
    )
    if level == "district":
        ids = units.filter(pl.col("level") == "district")["id"]
        return pl.DataFrame({"unit_id": ids, "district_id": ids, "ward_id": [None] * len(ids)}).cast(
            {"unit_id": pl.Int64, "district_id": pl.Int64, "ward_id": pl.Int64}
        )
    if level == "ward":
        return wards.select(pl.col("ward_id").alias("unit_id"), "district_id", "ward_id").cast(pl.Int64)
    if level == "facility":
        return (
            org["facilities"]
            .select(pl.col("id").alias("unit_id"), "ward_id")
            .join(wards, on="ward_id", how="left")
            .select("unit_id", "district_id", "ward_id")
            .cast(pl.Int64)
        )
    return pl.DataFrame(schema={"unit_id": pl.Int64, "district_id": pl.Int64, "ward_id": pl.Int64})


def _trend_points(engine: Engine, day: dt.date, catalogue: tuple[Kpi, ...]) -> dict[str, pl.DataFrame]:
    """Cumulative num/den per KPI at city and district level on the trend days (one pass over facts)."""
    start = day - dt.timedelta(days=TREND_DAYS)
    measures = sorted({m for k in catalogue for m in (k.numerator, k.denominator)})
    finest = _bucketed_district_facts(engine, day, start, measures).with_columns(  # buckets end by ``day``
        pl.lit(0, pl.Int64).alias("ward_id"), pl.lit(0, pl.Int64).alias("facility_id")
    )
    weekly = [day - dt.timedelta(days=7 * k) for k in range(TREND_DAYS // 7 + 1)]
    recent = [day - dt.timedelta(days=k) for k in range(RECENT_DAYS + 1)]
    days = sorted({d for d in weekly + recent if d >= start})
    points = pl.DataFrame({"day": days}, schema={"day": pl.Date})
    out = {}
    for level in ("city", "district"):
        daily = rollup(finest, catalogue, level, by=("day",)).sort("day")
        cumulative = daily.with_columns(
            pl.col("numerator").cum_sum().over(["kpi_id", "unit_id"]),
            pl.col("denominator").cum_sum().over(["kpi_id", "unit_id"]),
        )
        keys = cumulative.select("kpi_id", "unit_id").unique()
        out[level] = (
            keys.join(points, how="cross")
            .sort("day")
            .join_asof(
                cumulative.sort("day"),
                on="day",
                by=["kpi_id", "unit_id"],
                strategy="backward",
                check_sortedness=False,
            )
            .with_columns(pl.col("numerator").fill_null(0), pl.col("denominator").fill_null(0))
            .select("kpi_id", "unit_id", "day", "numerator", "denominator")
        )
    return out


def _bucketed_district_facts(
    engine: Engine, day: dt.date, start: dt.date, measures: Sequence[str]
) -> pl.DataFrame:
    """District-level increments summed into the trend's buckets, each dated by its last day.

    A bucket ends on a trend point: every day in the last ``RECENT_DAYS``, every 7th day back from
    ``day`` before that, and ``start`` takes all earlier history. Cumulative sums over the buckets are
    the values on the points, from ~7x fewer rows than one row per day.
    """
    facts = district_daily(engine, Scope(city=True), None, day, measures)
    back = (pl.lit(day, pl.Date) - pl.col("day")).dt.total_days()
    bucket = (
        pl.when(pl.col("day") <= start)
        .then(pl.lit(start, pl.Date))
        .when(pl.col("day") > day - dt.timedelta(days=RECENT_DAYS))
        .then(pl.col("day"))
        .otherwise(pl.col("day") + pl.duration(days=back % 7))  # day - 7 * (back // 7)
    )
    keys = ["measure", "district_id", "facility_type", "day"]
    return (
        facts.with_columns(bucket.alias("day"))
        .group_by(keys)
        .agg(pl.col("value").sum())
        .select(*keys, "value")
    )


def _write_rollup(engine: Engine, frame: pl.DataFrame, day: dt.date, started: float) -> None:
    """Replace the roll-up with ``frame`` in one transaction."""
    with engine.begin() as connection:
        connection.execute(delete(KpiRollup))
        append_frame(connection, "kpi_rollup", frame)
        save_refresh_state(connection, STATE, day, frame.height, time.perf_counter() - started, full=True)


def materialise(engine: Engine, day: dt.date) -> int:
    """Rebuild the roll-up for ``day`` from the daily facts; returns the number of rows written."""
    started = time.perf_counter()
    catalogue = load_catalogue(engine)
    org = org_frames(engine)
    everyone = Scope(city=True)
    start = day - dt.timedelta(days=RATE_WINDOW_DAYS)
    measures = sorted({m for k in catalogue for m in (k.numerator, k.denominator)})
    base_finest = measure_totals(engine, everyone, start, measures)
    daily_finest = measure_daily(engine, everyone, start, day, measures)
    frames = []

    def tagged(frame: pl.DataFrame, kind: str, level: str) -> pl.DataFrame:
        located = frame.join(_locations(org, level), on="unit_id", how="left")
        if "district_id" not in located.columns:
            located = located.with_columns(pl.lit(None, pl.Int64).alias("district_id"))
        if "ward_id" not in located.columns:
            located = located.with_columns(pl.lit(None, pl.Int64).alias("ward_id"))
        if "rate" not in located.columns:
            located = located.with_columns(pl.lit(None, pl.Float64).alias("rate"))
        return located.select(
            pl.lit(kind).alias("kind"),
            pl.lit(level).alias("level"),
            "kpi_id",
            pl.col("unit_id").cast(pl.Int64),
            "day",
            pl.col("district_id").cast(pl.Int64),
            pl.col("ward_id").cast(pl.Int64),
            pl.col("numerator").cast(pl.Int64),
            pl.col("denominator").cast(pl.Int64),
            pl.col("rate").cast(pl.Float64).fill_nan(None),
        )

    for level in LEVELS:
        latest = window_latest(base_finest, daily_finest, start, day, level, catalogue, org)
        if latest.is_empty():
            continue
        frames.append(tagged(latest.with_columns(pl.lit(day, pl.Date).alias("day")), "status", level))
        if level in ("city", "district"):
            series = window_grid(base_finest, daily_finest, start, day, level, catalogue, org)
            frames.append(tagged(series, "window", level))
    for level, points in _trend_points(engine, day, catalogue).items():
        frames.append(tagged(points, "trend", level))
    rows = pl.concat(frames) if frames else pl.DataFrame()
    _write_rollup(engine, rows, day, started)
    return rows.height


# --- read ----------------------------------------------------------------------------------------------


def rollup_day(engine: Engine) -> dt.date | None:
    with engine.connect() as connection:
        value = connection.execute(
            select(KpiRefreshState.data_through).where(KpiRefreshState.source == STATE)
        ).scalar()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value


def latest(
    engine: Engine, scope: Scope, as_of: dt.date, level: str, catalogue: tuple[Kpi, ...]
) -> pl.DataFrame | None:
    """(kpi_id, unit_id, numerator, denominator, value, rate) on ``as_of`` inside ``scope``, or None."""
    if scope.is_empty or rollup_day(engine) != as_of:
        return None
    ids = [k.id for k in catalogue]
    if level == "city" and not scope.city:
        if not scope.is_whole_districts:
            return None
        stmt = (
            select(R.kpi_id, R.day, func.sum(R.numerator), func.sum(R.denominator))
            .where(
                R.kind == "window",
                R.level == "district",
                R.unit_id.in_(sorted(scope.district_ids)),
                R.kpi_id.in_(ids),
            )
            .group_by(R.kpi_id, R.day)
        )
        with engine.connect() as connection:
            rows = connection.execute(stmt).all()
        series = pl.DataFrame(
            rows,
            schema={"kpi_id": pl.String, "day": pl.Date, "numerator": pl.Int64, "denominator": pl.Int64},
            orient="row",
        ).with_columns(pl.lit(CITY_UNIT_ID, pl.Int64).alias("unit_id"))
        if series.is_empty():
            return pl.DataFrame(schema=LATEST_SCHEMA)
        return latest_with_rates(with_ratio(series), as_of).select(list(LATEST_SCHEMA))
    conditions = [R.kind == "status", R.level == level, R.day == as_of, R.kpi_id.in_(ids)]
    if not scope.city:
        if level in ("ward", "facility") and not scope.facility_ids:
            conditions.append(scope_clause(scope, ward_col=R.ward_id, district_col=R.district_id))
        elif level == "district" and scope.is_whole_districts:
            conditions.append(R.unit_id.in_(sorted(scope.district_ids)))
        else:
            return None
    stmt = select(R.kpi_id, R.unit_id, R.numerator, R.denominator, R.rate).where(*conditions)
    with engine.connect() as connection:
        rows = connection.execute(stmt).all()
    frame = pl.DataFrame(
        rows,
        schema={
            "kpi_id": pl.String,
            "unit_id": pl.Int64,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "rate": pl.Float64,
        },
        orient="row",
    )
    return with_ratio(frame).select(list(LATEST_SCHEMA))


def trend(engine: Engine, scope: Scope, kpi: Kpi, *, end: dt.date, start: dt.date) -> pl.DataFrame | None:
    """``trends`` of one KPI."""
    return trends(engine, scope, (kpi,), end=end, start=start)[kpi.id]


def trends(
    engine: Engine, scope: Scope, kpis: Sequence[Kpi], *, end: dt.date, start: dt.date
) -> dict[str, pl.DataFrame | None]:
    """Per KPI: (day, numerator, denominator, value) over ``scope`` on the stored points in
    [start, end], or None where the roll-up cannot answer (one read for all the KPIs). For an ``end``
    before the roll-up's day the last point may fall before ``end``: the caller adds ``end``'s own
    figures, which it has from the KPI table."""
    none: dict[str, pl.DataFrame | None] = {kpi.id: None for kpi in kpis}
    day = rollup_day(engine)
    if scope.is_empty or day is None or end > day or start < day - dt.timedelta(days=TREND_DAYS):
        return none
    conditions = [R.kind == "trend", R.kpi_id.in_(list(none)), R.day <= end]
    if scope.city:
        conditions.append(R.level == "city")
    elif scope.is_whole_districts:
        conditions += [R.level == "district", R.unit_id.in_(sorted(scope.district_ids))]
    else:
        return none
    stmt = (
        select(R.kpi_id, R.day, func.sum(R.numerator), func.sum(R.denominator))
        .where(*conditions)
        .group_by(R.kpi_id, R.day)
        .order_by(R.kpi_id, R.day)
    )
    with engine.connect() as connection:
        rows = connection.execute(stmt).all()
    points = pl.DataFrame(
        rows,
        schema={"kpi_id": pl.String, "day": pl.Date, "numerator": pl.Int64, "denominator": pl.Int64},
        orient="row",
    )
    found = {}
    for (kpi_id,), frame in points.group_by("kpi_id", maintain_order=True):
        if frame["day"][0] <= start:  # else the stored points do not reach back to ``start``
            found[kpi_id] = with_ratio(frame.drop("kpi_id").filter(pl.col("day") >= start))
    return none | found
