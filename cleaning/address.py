"""Resolving the admin-unit part of free-text addresses with ``vietnamadminunits``.

Parsing costs ~1–6 ms per call, so each DISTINCT normalised admin part (the last three
comma-separated parts: ward, district, city) is parsed once per process and cached.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from cleaning.text import normalised_expr

HANOI_PROVINCE_CODE = "01"
ADMIN_PARTS = 3


def admin_key_expr(column: str = "address_text") -> pl.Expr:
    """Lower-cased, NFC, single-spaced last three comma-separated parts of the address."""
    return (
        normalised_expr(column)
        .str.to_lowercase()
        .str.split(",")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.slice(-ADMIN_PARTS)
        .list.join(", ")
    )


@lru_cache(maxsize=200_000)
def resolve_admin_key(key: str) -> tuple[str | None, str | None, str | None]:
    """(province_code, district_code, ward_code) of the admin part, Nones when it does not parse."""
    from vietnamadminunits import parse_address  # import cost only when addresses are checked

    if not key:
        return (None, None, None)
    try:
        unit = parse_address(key, mode="LEGACY", level=3)
    except Exception:  # the parser raises on some garbage; garbage is simply unresolved
        return (None, None, None)
    if unit is None:
        return (None, None, None)
    return (unit.province_code, unit.district_code, unit.ward_code)


def resolve_addresses(frame: pl.DataFrame, column: str = "address_text") -> pl.DataFrame:
    """Add ``addr_province_code``, ``addr_district_code``, ``addr_ward_code`` (parsing distinct keys once)."""
    keyed = frame.with_columns(_admin_key=admin_key_expr(column))
    keys = keyed.get_column("_admin_key").drop_nulls().unique().to_list()
    resolved = [resolve_admin_key(key) for key in keys]
    lookup = pl.DataFrame(
        {
            "_admin_key": keys,
            "addr_province_code": [r[0] for r in resolved],
            "addr_district_code": [r[1] for r in resolved],
            "addr_ward_code": [r[2] for r in resolved],
        },
        schema={
            "_admin_key": pl.String,
            "addr_province_code": pl.String,
            "addr_district_code": pl.String,
            "addr_ward_code": pl.String,
        },
    )
    return keyed.join(lookup, on="_admin_key", how="left").drop("_admin_key")
