"""Roll finest-level measure values (ward × facility) up to KPI numerators/denominators per org unit.

Pure polars, on read. Levels: ``city``, ``district``, ``ward``, ``commune_2025`` (each legacy ward is
allocated whole to its *default* 2025 unit in ``org_unit_mapping``, or to the lowest-id one when none
is flagged; wards split across several new units are not apportioned, since there is no population
share to split them by), and ``facility`` (facility-based KPIs only).
"""

from __future__ import annotations

import polars as pl

from kpis.catalogue import Kpi

LEVELS = ("city", "district", "ward", "commune_2025", "facility")
CITY_UNIT_ID = 0


def kpi_sides(catalogue: tuple[Kpi, ...]) -> pl.DataFrame:
    """(kpi_id, measure, side, facility_type) with facility_type "*" = any type."""
    rows = []
    for kpi in catalogue:
        types = kpi.facility_types or ("*",)
        for side, measure in (("numerator", kpi.numerator), ("denominator", kpi.denominator)):
            rows.extend(
                {"kpi_id": kpi.id, "measure": measure, "side": side, "facility_type": t} for t in types
            )
    return pl.DataFrame(
        rows,
        schema={"kpi_id": pl.String, "measure": pl.String, "side": pl.String, "facility_type": pl.String},
    )


def ward_to_commune(mapping: pl.DataFrame) -> pl.DataFrame:
    """legacy ward id → one 2025 unit id (the default one, else the lowest id)."""
    if mapping.is_empty():
        return pl.DataFrame(schema={"ward_id": pl.Int64, "commune_id": pl.Int64})
    return (
        mapping.sort(["legacy_unit_id", "is_default", "new_unit_id"], descending=[False, True, False])
        .group_by("legacy_unit_id", maintain_order=True)
        .first()
        .select(pl.col("legacy_unit_id").alias("ward_id"), pl.col("new_unit_id").alias("commune_id"))
    )


def attach_kpis(finest: pl.DataFrame, catalogue: tuple[Kpi, ...]) -> pl.DataFrame:
    """Tag each finest measure row with the KPI sides it feeds (a row may feed several KPIs)."""
    sides = kpi_sides(catalogue)
    any_type = finest.join(sides.filter(pl.col("facility_type") == "*").drop("facility_type"), on="measure")
    typed = finest.join(sides.filter(pl.col("facility_type") != "*"), on=["measure", "facility_type"])
    return pl.concat([any_type, typed.select(any_type.columns)], how="vertical")


def assign_unit(tagged: pl.DataFrame, level: str, mapping: pl.DataFrame | None = None) -> pl.DataFrame:
    if level == "city":
        return tagged.with_columns(pl.lit(CITY_UNIT_ID, pl.Int64).alias("unit_id"))
    if level == "district":
        return tagged.with_columns(pl.col("district_id").alias("unit_id"))
    if level == "ward":
        return tagged.with_columns(pl.col("ward_id").alias("unit_id"))
    if level == "facility":
        return tagged.filter(pl.col("facility_id") > 0).with_columns(pl.col("facility_id").alias("unit_id"))
    if level == "commune_2025":
        lookup = ward_to_commune(mapping if mapping is not None else pl.DataFrame())
        return tagged.join(lookup, on="ward_id", how="inner").with_columns(
            pl.col("commune_id").alias("unit_id")
        )
    raise ValueError(f"unknown level {level!r}")


def rollup(
    finest: pl.DataFrame,
    catalogue: tuple[Kpi, ...],
    level: str,
    mapping: pl.DataFrame | None = None,
    by: tuple[str, ...] = (),
) -> pl.DataFrame:
    """KPI numerator/denominator per unit of ``level`` (plus the extra ``by`` keys, e.g. ``day``).

    ``finest`` has columns measure, ward_id, facility_id, district_id, facility_type, value (+ ``by``).
    Returns kpi_id, unit_id, *by, numerator, denominator.
    """
    tagged = assign_unit(attach_kpis(finest, catalogue), level, mapping)
    keys = ["kpi_id", "unit_id", *by]
    return (
        tagged.group_by(keys)
        .agg(
            pl.col("value").filter(pl.col("side") == "numerator").sum().alias("numerator"),
            pl.col("value").filter(pl.col("side") == "denominator").sum().alias("denominator"),
        )
        .with_columns(pl.col("numerator").cast(pl.Int64), pl.col("denominator").cast(pl.Int64))
    )


def with_ratio(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("denominator") > 0)
        .then(pl.col("numerator") / pl.col("denominator"))
        .otherwise(None)
        .alias("value")
    )
