"""Facility code (MA_CSKCB): 5 characters, 2-digit province then 3 digits or capitals (e.g. 01C51)."""

from __future__ import annotations

import re

import polars as pl

HANOI_PROVINCE = "01"

_PROVINCE = re.compile(r"[0-9]{2}")
_SUFFIX_PATTERN = r"[0-9A-Z]{3}"
_FACILITY = re.compile(rf"[0-9]{{2}}{_SUFFIX_PATTERN}")


def is_valid_facility_code(code: object, province: str | None = HANOI_PROVINCE) -> bool:
    """`province=None` accepts any province (facilities outside Hanoi appear in referrals)."""
    _require_province(province)
    if not isinstance(code, str) or _FACILITY.fullmatch(code) is None:
        return False
    return province is None or code[:2] == province


def facility_code_invalid_expr(col_code: str | pl.Expr, province: str | None = HANOI_PROVINCE) -> pl.Expr:
    """True where `is_valid_facility_code` would be False (nulls included)."""
    _require_province(province)
    code = pl.col(col_code) if isinstance(col_code, str) else col_code
    prefix = province if province is not None else "[0-9]{2}"
    return ~code.str.contains(f"^{prefix}{_SUFFIX_PATTERN}$").fill_null(False)


def _require_province(province: str | None) -> None:
    # A 1-digit "province" would silently turn the prefix check into a different rule.
    if province is not None and _PROVINCE.fullmatch(province) is None:
        raise ValueError(f"province must be 2 digits, got {province!r}")
