"""Hanoi's org-unit tree (legacy and 2025 structures) and the legacy→2025 ward mapping.

Source: the `vietnamadminunits` package (official GSO codes and coordinates). Read offline from its
bundled SQLite and converter JSON; `convert_address` is avoided because it geocodes over the network.

Codes are unique only within a level: the 2025 units reuse legacy ward codes (00004 is both legacy
Trúc Bạch and 2025 Ba Đình), so every consumer must key units by (level, code).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from vietnamadminunits.database import query

CITY_CODE = "01"
CITY_KEY = "thanhphohanoi"

BOUNDS_SEPARATOR = " – "

LEVEL_CITY = "city"
LEVEL_DISTRICT = "district"
LEVEL_WARD = "ward"
LEVEL_COMMUNE_2025 = "commune_2025"


@dataclass(frozen=True)
class UnitRow:
    level: str
    code: str
    name: str
    short_name: str
    unit_type: str
    parent_code: str | None
    latitude: float | None
    longitude: float | None
    bounds: str | None
    area_km2: float | None


@dataclass(frozen=True)
class MappingRow:
    legacy_ward_code: str
    commune_code: str
    is_default: bool


@cache
def hanoi_units() -> list[UnitRow]:
    """City first, then districts, legacy wards and 2025 communes, each level ordered by code.

    Cached: treat the returned list and its rows as read-only.
    """
    legacy = _legacy_rows()
    return [
        _city(legacy[0], _union_bounds(row["wardBounds"] for row in legacy)),
        *_districts(legacy),
        *(_ward(row) for row in legacy),
        *(_commune(row) for row in _commune_rows()),
    ]


@cache
def hanoi_mapping() -> list[MappingRow]:
    """Legacy ward → 2025 commune links, ordered by (legacy ward, commune).

    A ward absorbed whole into one commune gets a single default link; a ward split across several
    communes gets one link per commune, exactly one of them default (where most of it went).
    """
    converter = _converter_data()
    legacy_codes = {_legacy_key(row): row["wardCode"] for row in _legacy_rows()}
    commune_codes = {row["wardKey"]: row["wardCode"] for row in _commune_rows()}

    rows: list[MappingRow] = []
    for new_key, old_keys in converter["DICT_PROVINCE_WARD_NO_DIVIDED"][CITY_KEY].items():
        rows.extend(MappingRow(legacy_codes[old], commune_codes[new_key], True) for old in old_keys)
    for old_key, parts in converter["DICT_PROVINCE_WARD_DIVIDED"][CITY_KEY].items():
        rows.extend(
            MappingRow(
                legacy_codes[old_key], commune_codes[part["newWardKey"]], bool(part["isDefaultNewWard"])
            )
            for part in parts
        )
    return sorted(rows, key=lambda row: (row.legacy_ward_code, row.commune_code))


def units_by_level(level: str) -> list[UnitRow]:
    return [unit for unit in hanoi_units() if unit.level == level]


def _city(any_legacy_row: dict, bounds: str) -> UnitRow:
    return UnitRow(
        level=LEVEL_CITY,
        code=CITY_CODE,
        name=any_legacy_row["province"],
        short_name=any_legacy_row["provinceShort"],
        unit_type="Thành phố",
        parent_code=None,
        latitude=any_legacy_row["provinceLat"],
        longitude=any_legacy_row["provinceLon"],
        # The package's provinceBounds covers only the inner city (lat 20.99–21.05) while wards
        # reach 20.57–21.39, so the city box is rebuilt from its wards.
        bounds=bounds,
        area_km2=None,
    )


def _districts(legacy: list[dict]) -> list[UnitRow]:
    first_row_per_district = {row["districtCode"]: row for row in reversed(legacy)}
    return [
        UnitRow(
            level=LEVEL_DISTRICT,
            code=code,
            name=row["district"],
            short_name=row["districtShort"],
            unit_type=row["districtType"],
            parent_code=CITY_CODE,
            latitude=row["districtLat"],
            longitude=row["districtLon"],
            bounds=row["districtBounds"],
            area_km2=None,
        )
        for code, row in sorted(first_row_per_district.items())
    ]


def _ward(row: dict) -> UnitRow:
    return UnitRow(
        level=LEVEL_WARD,
        code=row["wardCode"],
        name=row["ward"],
        short_name=row["wardShort"],
        unit_type=row["wardType"],
        parent_code=row["districtCode"],
        latitude=row["wardLat"],
        longitude=row["wardLon"],
        bounds=row["wardBounds"],
        area_km2=None,
    )


def _commune(row: dict) -> UnitRow:
    return UnitRow(
        level=LEVEL_COMMUNE_2025,
        code=row["wardCode"],
        name=row["ward"],
        short_name=row["wardShort"],
        unit_type=row["wardType"],
        parent_code=CITY_CODE,
        latitude=row["wardLat"],
        longitude=row["wardLon"],
        bounds=None,
        area_km2=row["wardAreaKm2"],
    )


def parse_bounds(bounds: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) from the package's "lat,lon – lat,lon" text."""
    south_west, north_east = bounds.split(BOUNDS_SEPARATOR)
    south, west = (float(part) for part in south_west.split(","))
    north, east = (float(part) for part in north_east.split(","))
    return south, west, north, east


def format_bounds(south: float, west: float, north: float, east: float) -> str:
    return f"{south},{west}{BOUNDS_SEPARATOR}{north},{east}"


def _union_bounds(all_bounds: Iterable[str]) -> str:
    boxes = [parse_bounds(bounds) for bounds in all_bounds]
    return format_bounds(
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def _legacy_key(row: dict) -> str:
    # The converter names legacy wards by province, district and ward key: ward keys alone repeat
    # across districts (526 wards, 504 distinct keys).
    return f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"


@cache
def _legacy_rows() -> list[dict]:
    return query(f"SELECT * FROM admin_units_legacy WHERE provinceCode = '{CITY_CODE}' ORDER BY wardCode")


@cache
def _commune_rows() -> list[dict]:
    return query(f"SELECT * FROM admin_units WHERE provinceCode = '{CITY_CODE}' ORDER BY wardCode")


@cache
def _converter_data() -> dict:
    source = resources.files("vietnamadminunits") / "data" / "converter_2025.json"
    return json.loads(source.read_text(encoding="utf-8"))
